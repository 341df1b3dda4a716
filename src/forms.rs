//! Forms that work with and without JavaScript.
//!
//! Hydrated, an `ActionForm` calls its server function and the answer's error is shown
//! beside its field, with focus moved to it. With JavaScript off, the browser posts the form,
//! the server keeps the error and the typed values in the session (`server::finish`) and
//! redirects back; the page then takes that `FormFlash` and renders the same messages, with
//! `autofocus` on the first field in error.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// A form's error and typed values, kept for one page view after a plain form post.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormFlash {
    pub form: String,
    pub error: AppError,
    pub values: Vec<(String, String)>,
}

impl FormFlash {
    pub const SESSION_KEY: &'static str = "flash";

    pub fn value(&self, name: &str) -> Option<String> {
        self.values
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }
}

/// Takes (and forgets) the kept error of `form`, if the last plain post of it failed.
/// Public: it only reads the caller's own session.
#[server(prefix = "/api", endpoint = "take_flash")]
pub async fn take_flash(form: String) -> Result<Option<FormFlash>, AppError> {
    use crate::auth::session::current_session;
    let session = current_session().await?;
    let kept: Option<FormFlash> = session.get(FormFlash::SESSION_KEY).await.unwrap_or(None);
    match kept {
        Some(flash) if flash.form == form => {
            let _ = session.remove::<FormFlash>(FormFlash::SESSION_KEY).await;
            Ok(Some(flash))
        }
        _ => Ok(None),
    }
}

/// The state one form shows: the latest error, from its action or from a kept flash.
#[derive(Clone, Copy)]
pub struct FormState {
    pub id: &'static str,
    error: Signal<Option<AppError>>,
    flash: Signal<Option<FormFlash>>,
    kept: Resource<Result<Option<FormFlash>, AppError>>,
}

impl FormState {
    /// `id` names the form (`sign_up`); it prefixes the ids of its inputs.
    pub fn new<O>(id: &'static str, result: Signal<Option<Result<O, AppError>>>) -> Self
    where
        O: Clone + Send + Sync + 'static,
    {
        let kept = Resource::new(|| (), move |_| take_flash(id.to_owned()));
        let flash = Signal::derive(move || kept.get().and_then(Result::ok).flatten());
        let error = Signal::derive(move || match result.get() {
            Some(Err(e)) => Some(e),
            Some(Ok(_)) => None,
            None => flash.get().map(|f| f.error),
        });
        let state = Self {
            id,
            error,
            flash,
            kept,
        };
        state.focus_first_error();
        state
    }

    /// Waits for the kept flash, so a page rendered on the server shows it.
    pub async fn loaded(self) {
        let _ = self.kept.await;
    }

    pub fn error(&self) -> Option<AppError> {
        self.error.get()
    }

    /// The message for `field`, if the current error is about it.
    pub fn field_error(&self, field: &str) -> Option<String> {
        self.error.get().and_then(|e| e.field_message(field))
    }

    /// An error about the form as a whole (wrong credentials, too many attempts, ...).
    pub fn form_error(&self, fields: &[&str]) -> Option<String> {
        self.error.get().and_then(|e| match &e {
            AppError::Validation { field, .. } if fields.contains(&field.as_str()) => None,
            _ => Some(e.to_string()),
        })
    }

    /// What was typed in `field` before a plain post failed.
    pub fn kept_value(&self, field: &str) -> Option<String> {
        self.flash.get().and_then(|f| f.value(field))
    }

    pub fn input_id(&self, field: &str) -> String {
        format!("{}-{}", self.id.replace('_', "-"), field.replace('_', "-"))
    }

    /// Hydrated: when an answer brings a field error, move focus to that field (or to the
    /// form's alert for a form-level error).
    fn focus_first_error(&self) {
        #[cfg(feature = "hydrate")]
        {
            let error = self.error;
            let prefix = self.id.replace('_', "-");
            Effect::new(move |_| {
                use wasm_bindgen::JsCast;
                let Some(e) = error.get() else { return };
                let target = match e {
                    AppError::Validation { field, .. } if !field.is_empty() && field != "form" => {
                        format!("{prefix}-{}", field.replace('_', "-"))
                    }
                    _ => format!("{prefix}-alert"),
                };
                // After this change has reached the DOM (the message is no longer hidden).
                request_animation_frame(move || {
                    if let Some(el) = document()
                        .get_element_by_id(&target)
                        .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok())
                    {
                        let _ = el.focus();
                    }
                });
            });
        }
    }
}

/// A labelled input with its hint and its error, wired for screen readers.
#[component]
pub fn Field(
    form: FormState,
    #[prop(into)] name: String,
    #[prop(into)] label: String,
    #[prop(into, default = "text".to_owned())] kind: String,
    #[prop(into, optional)] autocomplete: Option<String>,
    #[prop(into, optional)] hint: Option<String>,
    #[prop(into, optional)] value: Option<String>,
    #[prop(optional)] required: bool,
    #[prop(optional)] minlength: Option<u32>,
    #[prop(optional)] maxlength: Option<u32>,
    /// Refill with what was typed before a plain post failed (never for passwords).
    #[prop(optional)]
    keep_value: bool,
) -> impl IntoView {
    let id = form.input_id(&name);
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let described_by = {
        let (error_id, hint_id, has_hint) = (error_id.clone(), hint_id.clone(), hint.is_some());
        let name = name.clone();
        move || {
            let mut ids = Vec::new();
            if has_hint {
                ids.push(hint_id.clone());
            }
            if form.field_error(&name).is_some() {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    let has_error = {
        let name = name.clone();
        move || form.field_error(&name).is_some()
    };
    let invalid = {
        let has_error = has_error.clone();
        move || has_error().then_some("true")
    };
    // Without JavaScript, focus lands on the field in error when the page comes back.
    let autofocus = {
        let name = name.clone();
        move || form.field_error(&name).is_some() && form.flash.get().is_some()
    };
    let initial = {
        let name = name.clone();
        move || {
            if keep_value {
                form.kept_value(&name).or_else(|| value.clone())
            } else {
                value.clone()
            }
        }
    };
    let message = {
        let name = name.clone();
        Signal::derive(move || form.field_error(&name))
    };
    view! {
        <div class="field" class:has-error=has_error>
            <label for=id.clone()>{label}</label>
            {hint.map(|h| view! { <p class="hint" id=hint_id.clone()>{h}</p> })}
            <input
                id=id.clone()
                name=name.clone()
                type=kind
                autocomplete=autocomplete
                required=required
                minlength=minlength
                maxlength=maxlength
                value=initial
                autofocus=autofocus
                aria-invalid=invalid
                aria-describedby=described_by
            />
            <p class="field-error" id=error_id.clone() hidden=move || message.read().is_none()>
                {move || message.get().unwrap_or_default()}
            </p>
        </div>
    }
}

/// The form-level message (not tied to one field), focusable so it can be announced.
#[component]
pub fn FormAlert(form: FormState, #[prop(into)] fields: Vec<&'static str>) -> impl IntoView {
    let message = Signal::derive(move || form.form_error(&fields));
    view! {
        <div
            id=format!("{}-alert", form.id.replace('_', "-"))
            class="form-alert"
            role="alert"
            tabindex="-1"
            hidden=move || message.read().is_none()
        >
            {move || message.get().unwrap_or_default()}
        </div>
    }
}
