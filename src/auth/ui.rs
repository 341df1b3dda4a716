//! Account pages: sign up, sign in, account; the header's account menu; and `RequireUser`,
//! which sends a signed-out visitor to sign in and back again.

use leptos::{either::Either, prelude::*};
use leptos_meta::Title;
use leptos_router::{
    components::{Redirect, A},
    hooks::{use_location, use_query_map},
};

use super::{
    api::{ChangePassword, DeleteAccount, SignIn, SignOut, SignUp, UpdateProfile, UpdateTimeZone},
    User, PASSWORD_MIN_CHARS,
};
use crate::{
    error::AppError,
    forms::{Field, FormAlert, FormState},
    tokens::ui::{Tokens, TokensSection},
    urls::{encode_query_value, safe_next},
};

/// The account actions, made once for the app so the current-user resource can follow them.
#[derive(Clone, Copy)]
pub struct AuthActions {
    pub sign_up: ServerAction<SignUp>,
    pub sign_in: ServerAction<SignIn>,
    pub sign_out: ServerAction<SignOut>,
    pub update_profile: ServerAction<UpdateProfile>,
    pub update_time_zone: ServerAction<UpdateTimeZone>,
    pub change_password: ServerAction<ChangePassword>,
    pub delete_account: ServerAction<DeleteAccount>,
}

/// Who is signed in, reloaded after every account action.
#[derive(Clone, Copy)]
pub struct CurrentUser(pub Resource<Result<Option<User>, AppError>>);

/// Provides `AuthActions` and `CurrentUser` to the app.
pub fn provide_auth() {
    let actions = AuthActions {
        sign_up: ServerAction::new(),
        sign_in: ServerAction::new(),
        sign_out: ServerAction::new(),
        update_profile: ServerAction::new(),
        update_time_zone: ServerAction::new(),
        change_password: ServerAction::new(),
        delete_account: ServerAction::new(),
    };
    // Reload only after an action succeeded: a refused sign-in changes no one, and reloading
    // would re-render the form that shows its error.
    let user = Resource::new(
        move || {
            (
                succeeded(actions.sign_up),
                succeeded(actions.sign_in),
                succeeded(actions.sign_out),
                succeeded(actions.update_profile),
                succeeded(actions.update_time_zone),
                succeeded(actions.change_password),
                succeeded(actions.delete_account),
            )
        },
        |_| super::api::get_current_user(),
    );
    provide_context(actions);
    provide_context(CurrentUser(user));
}

/// The version of `action`'s latest answer if it succeeded.
fn succeeded<S>(action: ServerAction<S>) -> Option<usize>
where
    S: leptos::server_fn::ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
{
    action
        .value()
        .with(|v| matches!(v, Some(Ok(_))))
        .then(|| action.version().get())
}

fn result_signal<O: Clone + Send + Sync + 'static>(
    value: impl Fn() -> Option<Result<O, AppError>> + Send + Sync + 'static,
) -> Signal<Option<Result<O, AppError>>> {
    Signal::derive(value)
}

/// The current path and query, to come back to after signing in.
fn here() -> String {
    let location = use_location();
    let path = location.pathname.get_untracked();
    let search = location.search.get_untracked();
    if search.is_empty() {
        path
    } else if search.starts_with('?') {
        format!("{path}{search}")
    } else {
        format!("{path}?{search}")
    }
}

/// Renders `children` for a signed-in person; sends anyone else to sign in, then back here.
/// `forms` are the forms of the page, whose kept errors are loaded before it renders.
#[component]
pub fn RequireUser(#[prop(optional)] forms: Vec<FormState>, children: ChildrenFn) -> impl IntoView {
    let user = expect_context::<CurrentUser>().0;
    let children = StoredValue::new(children);
    let forms = StoredValue::new(forms);
    // The page this guards. The person can go while the app is already on its way elsewhere
    // (deleting the account leads to the sign-up page, whose code may still be loading): the
    // page is then leaving, and sending its visitor to sign in would cut that way short.
    let page = StoredValue::new(here());
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let page = page.get_value();
                for form in forms.get_value() {
                    form.loaded().await;
                }
                match user.await {
                    Ok(Some(_)) => Either::Left(children.with_value(|c| c())),
                    Ok(None) | Err(AppError::Unauthorized) if here() != page => {
                        Either::Right(().into_any())
                    }
                    Ok(None) | Err(AppError::Unauthorized) => {
                        let path = format!("/sign-in?next={}", encode_query_value(&page));
                        Either::Right(view! { <Redirect path /> }.into_any())
                    }
                    Err(e) => Either::Right(view! { <ErrorNotice error=e /> }.into_any()),
                }
            })}
        </Suspense>
    }
}

/// Renders `children` for a signed-out visitor; sends a signed-in person on to `?next=`.
#[component]
fn RequireSignedOut(form: FormState, children: ChildrenFn) -> impl IntoView {
    let user = expect_context::<CurrentUser>().0;
    let query = use_query_map();
    let children = StoredValue::new(children);
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                form.loaded().await;
                match user.await {
                    Ok(Some(_)) => {
                        let path = safe_next(query.read_untracked().get("next").as_deref());
                        Either::Right(view! { <Redirect path /> })
                    }
                    _ => Either::Left(children.with_value(|c| c())),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn ErrorNotice(error: AppError) -> impl IntoView {
    view! {
        <div class="form-alert" role="alert">
            {error.to_string()}
        </div>
    }
}

/// The header's end: who is signed in with a sign-out button, or the ways in.
#[component]
pub fn AccountMenu() -> impl IntoView {
    let user = expect_context::<CurrentUser>().0;
    let actions = expect_context::<AuthActions>();
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(Some(user)) => Either::Left(view! {
                        <A href="/account" attr:class="who" attr:title="Your account">
                            <span class="visually-hidden">"Signed in as "</span>
                            {user.display_name().to_owned()}
                        </A>
                        <ActionForm action=actions.sign_out attr:class="inline-form">
                            <button type="submit">"Sign out"</button>
                        </ActionForm>
                    }),
                    _ => Either::Right(view! {
                        <A href="/sign-in">"Sign in"</A>
                        <A href="/sign-up" attr:class="button primary">"Sign up"</A>
                    }),
                }
            })}
        </Transition>
    }
}

#[component]
pub fn SignUpPage() -> impl IntoView {
    let action = expect_context::<AuthActions>().sign_up;
    let form = FormState::new("sign_up", result_signal(move || action.value().get()));
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let deleted = move || query.read().get("deleted").is_some();
    // The browser's zone, once hydrated; without JavaScript the account starts in UTC and
    // the account page changes it.
    let zone = RwSignal::new(String::new());
    Effect::new(move |_| zone.set(crate::zone::detected().unwrap_or_default()));
    let sign_in_href = move || {
        let next = next();
        if next.is_empty() {
            "/sign-in".to_owned()
        } else {
            format!("/sign-in?next={}", encode_query_value(&next))
        }
    };
    view! {
        <Title text="Create your account" />
        <RequireSignedOut form>
            <section class="card narrow">
                <h1>"Create your account"</h1>
                <Show when=deleted>
                    <p class="notice" role="status">"Your account and its tasks were deleted."</p>
                </Show>
                <ActionForm action=action attr:class="form" attr:novalidate=true>
                    <FormAlert form fields=vec!["email", "name", "password"] />
                    <input type="hidden" name="next" value=next />
                    <input type="hidden" name="time_zone" prop:value=zone />
                    <Field form name="email" label="Email" kind="email" autocomplete="email"
                        required=true keep_value=true />
                    <Field form name="name" label="Name (optional)" autocomplete="name"
                        hint="Shown at the top of your page instead of your email." keep_value=true />
                    <Field form name="password" label="Password" kind="password"
                        autocomplete="new-password" required=true minlength=PASSWORD_MIN_CHARS as u32
                        hint="At least 12 characters. A few unrelated words make a strong one." />
                    <button type="submit" class="primary wide" aria-busy=move || action.pending().get().to_string()>
                        {move || if action.pending().get() { "Creating your account…" } else { "Create account" }}
                    </button>
                </ActionForm>
                <p class="switch">"Already have an account? " <a href=sign_in_href>"Sign in"</a></p>
            </section>
        </RequireSignedOut>
    }
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let action = expect_context::<AuthActions>().sign_in;
    let form = FormState::new("sign_in", result_signal(move || action.value().get()));
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let sign_up_href = move || {
        let next = next();
        if next.is_empty() {
            "/sign-up".to_owned()
        } else {
            format!("/sign-up?next={}", encode_query_value(&next))
        }
    };
    view! {
        <Title text="Sign in" />
        <RequireSignedOut form>
            <section class="card narrow">
                <h1>"Sign in"</h1>
                <ActionForm action=action attr:class="form" attr:novalidate=true>
                    <FormAlert form fields=vec!["email", "password"] />
                    <input type="hidden" name="next" value=next />
                    <Field form name="email" label="Email" kind="email" autocomplete="username"
                        required=true keep_value=true />
                    <Field form name="password" label="Password" kind="password"
                        autocomplete="current-password" required=true />
                    <button type="submit" class="primary wide" aria-busy=move || action.pending().get().to_string()>
                        {move || if action.pending().get() { "Signing in…" } else { "Sign in" }}
                    </button>
                </ActionForm>
                <p class="switch">"New here? " <a href=sign_up_href>"Create an account"</a></p>
            </section>
        </RequireSignedOut>
    }
}

#[component]
pub fn AccountPage() -> impl IntoView {
    let actions = expect_context::<AuthActions>();
    let profile = FormState::new(
        "update_profile",
        result_signal(move || actions.update_profile.value().get()),
    );
    let time_zone = FormState::new(
        "update_time_zone",
        result_signal(move || actions.update_time_zone.value().get()),
    );
    let password = FormState::new(
        "change_password",
        result_signal(move || actions.change_password.value().get()),
    );
    let delete = FormState::new(
        "delete_account",
        result_signal(move || actions.delete_account.value().get()),
    );
    let tokens = Tokens::new();
    let import = FormState::new("import", Signal::derive(|| None::<Result<(), AppError>>));
    view! {
        <Title text="Your account" />
        <RequireUser forms=vec![profile, time_zone, password, delete, tokens.form, tokens.revoke_form, import]>
            <AccountForms profile time_zone password delete tokens import />
        </RequireUser>
    }
}

/// "Your data": download everything (JSON or CSV), import a file. Plain links and a plain
/// upload form (`portability::routes`), the same with JavaScript on or off.
#[component]
fn DataSection(import: FormState) -> impl IntoView {
    // From the upload's own answer (a cookie read once), never from the URL.
    let imported = Resource::new(|| (), |_| crate::portability::api::take_import_result());
    view! {
        <section class="card stack" id="data" aria-labelledby="data-heading">
            <h2 id="data-heading">"Your data"</h2>
            <p>"Download every task with its tags, to keep or to move to another app."</p>
            <p class="actions">
                <a class="button" href="/account/export?format=json" download>"Download my data (JSON)"</a>
                " "
                <a class="button" href="/account/export?format=csv" download>"Download my data (CSV)"</a>
            </p>
            <h3>"Import"</h3>
            <p class="hint">
                "Add the tasks of a file: this app's JSON or CSV download, or a CSV from another \
                 task app with a first line naming its columns (title, description, priority, due \
                 date, tags, completed). Every task is added, or none if a row is not valid."
            </p>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    imported.await.ok().flatten().map(|n| view! {
                        <p class="notice" role="status">
                            {if n == 1 { "Imported 1 task.".to_owned() } else { format!("Imported {n} tasks.") }}
                        </p>
                    })
                })}
            </Suspense>
            <form class="form" method="post" action="/account/import" enctype="multipart/form-data">
                <FormAlert form=import fields=vec![] />
                <div class="field">
                    <label for="import-file">"File to import"</label>
                    <input id="import-file" type="file" name="file" required=true
                        accept=".json,.csv,application/json,text/csv" />
                </div>
                <button type="submit" class="primary">"Import"</button>
            </form>
        </section>
    }
}

#[component]
fn AccountForms(
    profile: FormState,
    time_zone: FormState,
    password: FormState,
    delete: FormState,
    tokens: Tokens,
    import: FormState,
) -> impl IntoView {
    let user = expect_context::<CurrentUser>().0;
    let actions = expect_context::<AuthActions>();
    let query = use_query_map();
    let done = move || query.read().get("done");

    view! {
        <h1>"Your account"</h1>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let user = user.await.ok().flatten();
                let email = user.as_ref().map(|u| u.email.clone()).unwrap_or_default();
                let zone = user.as_ref().map(|u| u.time_zone.as_str().to_owned()).unwrap_or_default();
                let name = user.and_then(|u| u.name).unwrap_or_default();
                view! {
                    <section class="card stack" aria-labelledby="profile-heading">
                        <h2 id="profile-heading">"Profile"</h2>
                        <p>"Signed in as " <strong data-testid="account-email">{email}</strong></p>
                        <Show when=move || done().as_deref() == Some("profile")>
                            <p class="notice" role="status">"Your name was saved."</p>
                        </Show>
                        <ActionForm action=actions.update_profile attr:class="form" attr:novalidate=true>
                            <FormAlert form=profile fields=vec!["name"] />
                            <Field form=profile name="name" label="Name" autocomplete="name"
                                value=name keep_value=true hint="Leave empty to be shown by your email." />
                            <button type="submit" class="primary">"Save name"</button>
                        </ActionForm>
                    </section>
                    <TimeZoneSection form=time_zone zone />
                }
            })}
        </Suspense>

        <section class="card stack" aria-labelledby="password-heading">
            <h2 id="password-heading">"Change password"</h2>
            <p class="hint">"Changing it signs you out everywhere else."</p>
            <Show when=move || done().as_deref() == Some("password")>
                <p class="notice" role="status">"Your password was changed. Other sessions were signed out."</p>
            </Show>
            <Show when=move || done().as_deref() == Some("password_and_tokens")>
                <p class="notice" role="status">"Your password was changed. Other sessions were signed out and every API token was revoked."</p>
            </Show>
            <ActionForm action=actions.change_password attr:class="form" attr:novalidate=true>
                <FormAlert form=password fields=vec!["current_password", "new_password"] />
                <Field form=password name="current_password" label="Current password" kind="password"
                    autocomplete="current-password" required=true />
                <Field form=password name="new_password" label="New password" kind="password"
                    autocomplete="new-password" required=true minlength=PASSWORD_MIN_CHARS as u32
                    hint="At least 12 characters." />
                <div class="check">
                    <input type="checkbox" id="revoke-tokens" name="revoke_tokens" value="on" />
                    <label for="revoke-tokens">"Also revoke every API token"</label>
                </div>
                <button type="submit" class="primary">"Change password"</button>
            </ActionForm>
        </section>

        <TokensSection tokens />
        <DataSection import />

        <section class="card stack danger-zone" aria-labelledby="delete-heading">
            <h2 id="delete-heading">"Delete account"</h2>
            <p>"This deletes your account and all of your tasks. It cannot be undone."</p>
            <ActionForm action=actions.delete_account attr:class="form" attr:novalidate=true>
                <FormAlert form=delete fields=vec!["password"] />
                <Field form=delete name="password" label="Your password" kind="password"
                    autocomplete="current-password" required=true />
                <button type="submit" class="danger">"Delete my account"</button>
            </ActionForm>
        </section>
    }
}

/// The person's time zone: what "today" is for them and the clock every time is shown on.
#[component]
fn TimeZoneSection(form: FormState, zone: String) -> impl IntoView {
    let action = expect_context::<AuthActions>().update_time_zone;
    let query = use_query_map();
    let done = move || query.read().get("done").as_deref() == Some("time_zone");
    // Hydrated: the zones this browser knows (for the field's suggestions) and its own.
    let names = RwSignal::new(Vec::<String>::new());
    let browser = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        names.set(crate::zone::known_names());
        browser.set(crate::zone::detected());
    });
    let hint = move || {
        match browser.get() {
        Some(here) => format!(
            "An IANA name such as Europe/Berlin. \"Today\", due times and reminders follow it. This browser is set to {here}."
        ),
        None => "An IANA name such as Europe/Berlin or America/New_York. \"Today\", due times and reminders follow it.".to_owned(),
    }
    };
    view! {
        <section class="card stack" aria-labelledby="time-zone-heading">
            <h2 id="time-zone-heading">"Time zone"</h2>
            <Show when=done>
                <p class="notice" role="status">"Your time zone was saved."</p>
            </Show>
            <ActionForm action attr:class="form" attr:novalidate=true>
                <FormAlert form fields=vec!["time_zone"] />
                <Field form name="time_zone" label="Time zone" autocomplete="off" list="time-zones"
                    value=zone keep_value=true maxlength=crate::zone::ZONE_MAX_CHARS as u32
                    hint=Signal::derive(hint) />
                <datalist id="time-zones">
                    <For each=move || names.get() key=|n| n.clone() let:name>
                        <option value=name></option>
                    </For>
                </datalist>
                <button type="submit" class="primary">"Save time zone"</button>
            </ActionForm>
        </section>
    }
}
