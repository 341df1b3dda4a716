//! Forms that work with and without JavaScript.
//!
//! Hydrated, an `ActionForm` calls its server function and the answer's error is shown
//! beside its field, with focus moved to it. With JavaScript off, the browser posts the form,
//! the server keeps the error and the typed values in a short-lived cookie
//! (`server::finish` calls `keep`) and redirects back; the page then takes that `FormFlash`
//! and renders the same messages, with `autofocus` on the first field in error.
//!
//! Every field is a `Field` (an input, a textarea or a select, with its label, hint and
//! error). The task forms post the same way without JavaScript; hydrated, they send
//! themselves (`field_value` reads a field by its name) to show the change at once.
//!
//! The flash never touches the database: a refused or anonymous post stores nothing on the
//! server. Its values are cut to their fields' limits and the cookie to `FLASH_MAX_BYTES`.

use leptos::{
    either::{Either, EitherOf3},
    prelude::*,
};
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// Declares a form whose fields are text as a browser posts them: the struct (a `String` per
/// field, a field left out of a post is empty) and, from the same one list, `NAMES` (the
/// fields in the form's order), `fields()`, `get`, `field_mut` and `set` by name. A field is
/// added in one place and every reader and writer by name follows.
#[macro_export]
macro_rules! text_form {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $( $(#[$field_meta:meta])* $field:ident, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(default)]
        $vis struct $name {
            $( $(#[$field_meta])* pub $field: String, )*
        }

        impl $name {
            /// Every field's name, in the form's order.
            pub const NAMES: &'static [&'static str] = &[$(stringify!($field)),*];

            /// Each field by its name, in the form's order.
            pub fn fields(&self) -> Vec<(&'static str, &str)> {
                vec![$((stringify!($field), self.$field.as_str())),*]
            }

            /// The value of the field called `name` (empty for an unknown name).
            pub fn get(&self, name: &str) -> &str {
                match name {
                    $(stringify!($field) => &self.$field,)*
                    _ => "",
                }
            }

            /// The field called `name`, if there is one.
            pub fn field_mut(&mut self, name: &str) -> Option<&mut String> {
                match name {
                    $(stringify!($field) => Some(&mut self.$field),)*
                    _ => None,
                }
            }

            /// Sets the field called `name` (an unknown name is ignored).
            pub fn set(&mut self, name: &str, value: String) {
                if let Some(slot) = self.field_mut(name) {
                    *slot = value;
                }
            }
        }
    };
}

/// A form's error and typed values, kept for one page view after a plain form post.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormFlash {
    pub form: String,
    pub error: AppError,
    pub values: Vec<(String, String)>,
}

impl FormFlash {
    /// A flash whose values are cut to what their fields accept (`field_max_chars`).
    pub fn new(form: &str, error: AppError, values: &[(&str, &str)]) -> Self {
        Self {
            form: form.to_owned(),
            error,
            values: values
                .iter()
                .map(|(k, v)| {
                    let max = field_max_chars(k);
                    let end = v.char_indices().nth(max).map_or(v.len(), |(i, _)| i);
                    ((*k).to_owned(), v[..end].to_owned())
                })
                .collect(),
        }
    }

    pub fn value(&self, name: &str) -> Option<String> {
        self.values
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }
}

/// The most characters a form field can usefully hold; what is kept of a value typed in it.
pub fn field_max_chars(field: &str) -> usize {
    use crate::{auth, tasks};
    match field {
        "title" => tasks::TITLE_MAX_CHARS,
        "description" => tasks::DESCRIPTION_MAX_CHARS,
        "tags" => crate::tags::TAGS_FIELD_MAX_CHARS,
        "email" => auth::EMAIL_MAX_CHARS,
        "name" => auth::NAME_MAX_CHARS,
        _ => 32, // ids, priorities, dates
    }
}

#[cfg(feature = "ssr")]
pub use cookie::{keep, read as read_flash};

/// The `Set-Cookie` header that keeps `flash` for the next page, for a handler outside
/// Leptos (which answers its plain form post with a redirect of its own).
#[cfg(feature = "ssr")]
pub fn flash_header(flash: FormFlash, secure: bool) -> Option<http::HeaderValue> {
    cookie::set_header(&cookie::encode(flash)?, secure)
}

/// The flash cookie: base64url of the flash's JSON, `HttpOnly`, `SameSite=Lax`, one minute.
#[cfg(feature = "ssr")]
mod cookie {
    use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
    use http::{header, HeaderMap, HeaderValue};

    use super::FormFlash;

    /// The largest flash cookie sent or read (browsers keep 4096 bytes per cookie).
    pub const FLASH_MAX_BYTES: usize = 3600;
    const MAX_AGE_SECS: u32 = 60;

    pub fn name(secure: bool) -> &'static str {
        if secure {
            "__Host-flash"
        } else {
            "flash"
        }
    }

    /// Encodes `flash` into at most `FLASH_MAX_BYTES`, dropping the longest values first
    /// when it does not fit (the error itself always does).
    pub fn encode(mut flash: FormFlash) -> Option<String> {
        loop {
            let json = serde_json::to_vec(&flash).ok()?;
            let value = URL_SAFE_NO_PAD.encode(json);
            if value.len() <= FLASH_MAX_BYTES {
                return Some(value);
            }
            let longest = flash
                .values
                .iter()
                .enumerate()
                .filter(|(_, (_, v))| !v.is_empty())
                .max_by_key(|(_, (_, v))| v.len())
                .map(|(i, _)| i)?;
            flash.values[longest].1.clear();
        }
    }

    /// The flash in the request's cookies, if there is a readable one of a bounded size.
    pub fn read(headers: &HeaderMap, secure: bool) -> Option<FormFlash> {
        let prefix = format!("{}=", name(secure));
        let value = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .map(str::trim)
            .find_map(|c| c.strip_prefix(prefix.as_str()))?;
        if value.len() > FLASH_MAX_BYTES {
            return None;
        }
        let json = URL_SAFE_NO_PAD.decode(value).ok()?;
        serde_json::from_slice(&json).ok()
    }

    pub fn set_header(value: &str, secure: bool) -> Option<HeaderValue> {
        let max_age = if value.is_empty() { 0 } else { MAX_AGE_SECS };
        let attributes = if secure { "; Secure" } else { "" };
        HeaderValue::from_str(&format!(
            "{}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{attributes}",
            name(secure)
        ))
        .ok()
    }

    fn secure() -> bool {
        crate::state::app_state().is_ok_and(|s| s.sessions.secure)
    }

    fn respond_with(value: &str) {
        if let (Some(res), Some(header)) = (
            leptos::prelude::use_context::<leptos_axum::ResponseOptions>(),
            set_header(value, secure()),
        ) {
            res.append_header(header::SET_COOKIE, header);
        }
    }

    /// Keeps `flash` for the next page this browser loads (a plain form post's redirect).
    pub fn keep(flash: FormFlash) {
        if let Some(value) = encode(flash) {
            respond_with(&value);
        }
    }

    /// Takes the kept flash of `form` from this request, and tells the browser to forget it.
    pub fn take(form: &str) -> Option<FormFlash> {
        let parts = leptos::prelude::use_context::<http::request::Parts>()?;
        let flash = read(&parts.headers, secure()).filter(|f| f.form == form)?;
        respond_with("");
        Some(flash)
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use crate::error::AppError;

        #[test]
        fn a_flash_round_trips_through_its_cookie() {
            let flash = FormFlash::new(
                "add_task",
                AppError::validation("title", "Enter a title for the task."),
                &[("title", " "), ("tags", "a, b")],
            );
            let value = encode(flash.clone()).unwrap();
            let mut headers = HeaderMap::new();
            headers.insert(
                header::COOKIE,
                HeaderValue::from_str(&format!("theme=dark; flash={value}")).unwrap(),
            );
            assert_eq!(read(&headers, false), Some(flash));
            assert_eq!(
                read(&headers, true),
                None,
                "the secure name is another cookie"
            );
        }

        #[test]
        fn values_are_cut_to_their_fields_and_the_cookie_to_its_limit() {
            let huge = "é".repeat(100_000);
            let flash = FormFlash::new(
                "add_task",
                AppError::validation("description", "Too long."),
                &[("title", &huge), ("description", &huge), ("id", &huge)],
            );
            assert_eq!(flash.value("title").unwrap().chars().count(), 200);
            assert_eq!(flash.value("description").unwrap().chars().count(), 1000);
            assert_eq!(flash.value("id").unwrap().chars().count(), 32);
            let value = encode(flash).unwrap();
            assert!(value.len() <= FLASH_MAX_BYTES, "{}", value.len());
            let header = set_header(&value, true).unwrap();
            let header = header.to_str().unwrap();
            assert!(header.starts_with("__Host-flash="), "{header}");
            assert!(header.contains("HttpOnly") && header.contains("Max-Age=60"));
            assert!(header.ends_with("; Secure"));
        }

        #[test]
        fn a_forged_or_oversized_cookie_is_ignored() {
            for value in ["not base64!", "e30", &"A".repeat(FLASH_MAX_BYTES + 1)] {
                let mut headers = HeaderMap::new();
                headers.insert(
                    header::COOKIE,
                    HeaderValue::from_str(&format!("flash={value}")).unwrap(),
                );
                assert_eq!(read(&headers, false), None, "{value}");
            }
        }
    }
}

/// Ends a server function. On error, a plain form post (JavaScript off) is redirected back
/// to its page, so the error and what was typed (never a password), cut to each field's
/// limit, are kept in a short-lived cookie for that page to show once (`forms::keep`):
/// nothing is stored on the server for a refused request. (A hydrated caller gets the
/// error's own HTTP status from `error::server_fn_error_status`.)
#[cfg(feature = "ssr")]
pub async fn finish<T, E>(form: &str, values: &[(&str, &str)], result: Result<T, E>) -> Result<T, E>
where
    E: Clone + Into<AppError>,
{
    if let Err(error) = &result {
        if crate::request::is_plain_form_post() {
            keep(FormFlash::new(form, error.clone().into(), values));
        }
    }
    result
}

/// Takes (and forgets) the kept error of `form`, if the last plain post of it failed.
/// Public: it only reads the caller's own cookie.
#[server(prefix = "/api", endpoint = "take_flash")]
pub async fn take_flash(form: String) -> Result<Option<FormFlash>, AppError> {
    Ok(cookie::take(&form))
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

/// What a `Field` holds: an `<input>` of a type (`kind="email"` makes one), a `<textarea>`
/// of some rows, or a `<select>` of (value, label) options.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Control {
    Input(&'static str),
    TextArea(u32),
    Select(Vec<(String, String)>),
}

impl From<&'static str> for Control {
    fn from(kind: &'static str) -> Self {
        Self::Input(kind)
    }
}

/// A labelled control with its hint and its error, wired for screen readers: every form
/// field of the app is one.
#[component]
pub fn Field(
    form: FormState,
    #[prop(into)] name: String,
    #[prop(into)] label: String,
    #[prop(into, default = Control::Input("text"))] kind: Control,
    /// The control's id; `form.input_id(name)` if not given.
    #[prop(into, optional)]
    id: Option<String>,
    /// More classes for the field (`wide`).
    #[prop(into, optional)]
    class: Option<String>,
    #[prop(into, optional)] autocomplete: Option<String>,
    /// A text or an `Option` of one (as `hint`), so a caller can leave it out by a condition.
    #[prop(into, optional)]
    placeholder: MaybeProp<String>,
    /// The `<datalist>` to suggest values from.
    #[prop(into, optional)]
    list: Option<String>,
    #[prop(into, optional)] hint: MaybeProp<String>,
    #[prop(into, optional)] value: Option<String>,
    #[prop(optional)] required: bool,
    #[prop(optional)] minlength: Option<u32>,
    #[prop(optional)] maxlength: Option<u32>,
    /// Focused when the page loads (otherwise only a field in error after a plain post is).
    #[prop(optional)]
    autofocus: bool,
    /// Refill with what was typed before a plain post failed (never for passwords).
    #[prop(optional)]
    keep_value: bool,
    /// Beside the control, in a row with it (a form's one button).
    #[prop(optional_no_strip)]
    beside: Option<Children>,
) -> impl IntoView {
    let id = id.unwrap_or_else(|| form.input_id(&name));
    let class = class.map_or_else(|| "field".to_owned(), |c| format!("field {c}"));
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let hint = hint.get_untracked();
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
        move || autofocus || (form.field_error(&name).is_some() && form.flash.get().is_some())
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
    let placeholder = placeholder.get_untracked();
    let control = match kind {
        Control::Input(kind) => EitherOf3::A(view! {
            <input
                id=id.clone()
                name=name
                type=kind
                autocomplete=autocomplete
                placeholder=placeholder
                list=list
                required=required
                minlength=minlength
                maxlength=maxlength
                value=initial
                autofocus=autofocus
                aria-invalid=invalid
                aria-describedby=described_by
            />
        }),
        // A textarea's value is its text, so that it shows without JavaScript too.
        Control::TextArea(rows) => EitherOf3::B(view! {
            <textarea
                id=id.clone()
                name=name
                rows=rows
                autocomplete=autocomplete
                placeholder=placeholder
                required=required
                minlength=minlength
                maxlength=maxlength
                autofocus=autofocus
                aria-invalid=invalid
                aria-describedby=described_by
            >
                {initial().unwrap_or_default()}
            </textarea>
        }),
        Control::Select(options) => {
            let selected = initial().unwrap_or_default();
            EitherOf3::C(view! {
                <select
                    id=id.clone()
                    name=name
                    autocomplete=autocomplete
                    required=required
                    autofocus=autofocus
                    aria-invalid=invalid
                    aria-describedby=described_by
                >
                    {options
                        .into_iter()
                        .map(|(value, label)| {
                            let is_selected = value == selected;
                            view! { <option value=value selected=is_selected>{label}</option> }
                        })
                        .collect_view()}
                </select>
            })
        }
    };
    let control = match beside {
        Some(beside) => Either::Left(view! { <div class="field-row">{control}{beside()}</div> }),
        None => Either::Right(control),
    };
    view! {
        <div class=class class:has-error=has_error>
            <label for=id>{label}</label>
            {hint.map(|h| view! { <p class="hint" id=hint_id>{h}</p> })}
            {control}
            <FieldError id=error_id message />
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

/// A field's error message, tied to its input by `id` (the input's `aria-describedby`).
#[component]
pub fn FieldError(#[prop(into)] id: String, message: Signal<Option<String>>) -> impl IntoView {
    view! {
        <p class="field-error" id=id hidden=move || message.read().is_none()>
            {move || message.get().unwrap_or_default()}
        </p>
    }
}

/// Keeps a form from posting: the hydrated page sends it itself.
pub fn prevent(ev: &leptos::ev::SubmitEvent) {
    ev.prevent_default();
}

/// A control of `form` (an input, a textarea or a select) by its `name`.
fn control(form: &web_sys::HtmlFormElement, name: &str) -> Option<web_sys::Element> {
    form.query_selector(&format!("[name=\"{name}\"]"))
        .ok()
        .flatten()
}

/// The value of `form`'s control `name` (`""` if it has none), as a plain post would send
/// it: how a hydrated page that sends a form itself reads it.
pub fn field_value(form: &web_sys::HtmlFormElement, name: &str) -> String {
    use wasm_bindgen::JsCast;
    let Some(el) = control(form, name) else {
        return String::new();
    };
    if let Some(input) = el.dyn_ref::<web_sys::HtmlInputElement>() {
        // A checkbox posts its value only when it is checked.
        match input.type_().as_str() {
            "checkbox" if !input.checked() => String::new(),
            _ => input.value(),
        }
    } else if let Some(text) = el.dyn_ref::<web_sys::HtmlTextAreaElement>() {
        text.value()
    } else if let Some(select) = el.dyn_ref::<web_sys::HtmlSelectElement>() {
        select.value()
    } else {
        String::new()
    }
}

/// Sets the value of `form`'s control `name`.
pub fn set_field_value(form: &web_sys::HtmlFormElement, name: &str, value: &str) {
    use wasm_bindgen::JsCast;
    let Some(el) = control(form, name) else {
        return;
    };
    if let Some(input) = el.dyn_ref::<web_sys::HtmlInputElement>() {
        match input.type_().as_str() {
            "checkbox" => input.set_checked(!value.is_empty()),
            _ => input.set_value(value),
        }
    } else if let Some(text) = el.dyn_ref::<web_sys::HtmlTextAreaElement>() {
        text.set_value(value);
    } else if let Some(select) = el.dyn_ref::<web_sys::HtmlSelectElement>() {
        select.set_value(value);
    }
}

/// Moves focus to `form`'s control `name`.
pub fn focus_field(form: &web_sys::HtmlFormElement, name: &str) {
    use wasm_bindgen::JsCast;
    if let Some(el) = control(form, name).and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = el.focus();
    }
}
