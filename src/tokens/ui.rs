//! The account page's "API tokens" section: create a token (shown once, with a copy button),
//! list them with their scope, dates and last use, revoke any. Works without JavaScript: the
//! forms post, and a token created that way is shown from the cookie that carried it back.

use chrono::{DateTime, Utc};
use leptos::{either::Either, prelude::*};

use super::{
    api::{list_tokens, take_new_token, CreateToken, RevokeAllTokens, RevokeToken},
    Scope, TokenList, EXPIRY_DAYS,
};
use crate::{
    error::AppError,
    forms::{Control, Field, FormAlert, FormState},
    zone::moment_label,
};

/// The section's actions and data, made in the account route's own scope (see `TasksPage`).
#[derive(Clone, Copy)]
pub struct Tokens {
    create: ServerAction<CreateToken>,
    revoke: ServerAction<RevokeToken>,
    revoke_all: ServerAction<RevokeAllTokens>,
    list: Resource<Result<TokenList, AppError>>,
    /// A token created by a plain form post, carried back by a one-minute cookie.
    kept: Resource<Result<Option<String>, AppError>>,
    pub form: FormState,
    pub revoke_form: FormState,
    pub revoke_all_form: FormState,
}

impl Tokens {
    pub fn new() -> Self {
        let create = ServerAction::<CreateToken>::new();
        let revoke = ServerAction::<RevokeToken>::new();
        let revoke_all = ServerAction::<RevokeAllTokens>::new();
        let list = Resource::new(
            move || {
                (
                    create.version().get(),
                    revoke.version().get(),
                    revoke_all.version().get(),
                )
            },
            |_| list_tokens(),
        );
        let kept = Resource::new(|| (), |_| take_new_token());
        let form = FormState::new(
            "create_token",
            Signal::derive(move || create.value().get().map(|r| r.map(|_| ()))),
        );
        let revoke_form = FormState::new("revoke_token", revoke.value().into());
        let revoke_all_form = FormState::new(
            "revoke_all_tokens",
            Signal::derive(move || revoke_all.value().get().map(|r| r.map(|_| ()))),
        );
        Self {
            create,
            revoke,
            revoke_all,
            list,
            kept,
            form,
            revoke_form,
            revoke_all_form,
        }
    }
}

impl Default for Tokens {
    fn default() -> Self {
        Self::new()
    }
}

#[component]
pub fn TokensSection(tokens: Tokens) -> impl IntoView {
    let Tokens {
        create,
        revoke,
        revoke_all,
        list,
        kept,
        form,
        revoke_form,
        revoke_all_form,
    } = tokens;
    // Once a token is made, the form starts afresh: its password does not stay typed in.
    let create_ref = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if let Some(Ok(_)) = create.value().get() {
            if let Some(el) = create_ref.get_untracked() {
                el.reset();
            }
        }
    });
    // The secret of the token just made: from the action's answer, or from a plain post.
    let secret = move || match create.value().get() {
        Some(Ok(new)) => Some(new.secret),
        _ => kept.get().and_then(Result::ok).flatten(),
    };
    let scopes = Control::Select(
        [Scope::Read, Scope::Write]
            .iter()
            .map(|s| (s.as_str().to_owned(), s.label().to_owned()))
            .collect(),
    );
    let expiries = Control::Select(
        EXPIRY_DAYS
            .iter()
            .map(|d| (d.to_string(), format!("In {d} days")))
            .chain([("never".to_owned(), "Never expires".to_owned())])
            .collect(),
    );
    view! {
        <section class="card stack" aria-labelledby="tokens-heading">
            <h2 id="tokens-heading">"API tokens"</h2>
            <p class="hint">
                "A token lets a program or script use your tasks through the "
                <a href="/api/docs">"JSON API"</a>
                " as you. Keep it secret, like a password."
            </p>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let _ = kept.await;
                    secret().map(|secret| view! { <NewTokenNotice secret /> })
                })}
            </Suspense>
            <ActionForm action=create node_ref=create_ref attr:class="form" attr:novalidate=true>
                <FormAlert form fields=vec!["name", "scope", "expires", "current_password"] />
                <Field form name="name" label="Token name" required=true keep_value=true
                    maxlength=super::TOKEN_NAME_MAX_CHARS as u32
                    hint="What will use it, such as \"Phone\" or \"Backup script\"." />
                <Field form name="scope" label="Access" kind=scopes keep_value=true value="read".to_owned() />
                <Field form name="expires" label="Expires" kind=expiries keep_value=true value="90".to_owned() />
                <Field form name="current_password" label="Confirm with your password" kind="password"
                    autocomplete="current-password" required=true
                    hint="A token works until it expires or is revoked, even after you sign out." />
                <button type="submit" class="primary">"Create token"</button>
            </ActionForm>
            <FormAlert form=revoke_form fields=Vec::new() />
            <Suspense fallback=|| view! { <p class="loading">"Loading your tokens…"</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(list) if list.tokens.is_empty() => Either::Left(view! {
                            <p class="empty">"No tokens yet."</p>
                        }.into_any()),
                        Ok(list) => Either::Left(view! {
                            <div class="table-scroll"><TokenTable list revoke /></div>
                            <RevokeAll action=revoke_all form=revoke_all_form />
                        }.into_any()),
                        Err(error) => Either::Right(view! {
                            <div class="form-alert" role="alert">{error.to_string()}</div>
                        }),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn NewTokenNotice(secret: String) -> impl IntoView {
    let copied = RwSignal::new(false);
    let copy = {
        let secret = secret.clone();
        move |_| {
            #[cfg(feature = "hydrate")]
            if let Some(window) = web_sys::window() {
                let _ = window.navigator().clipboard().write_text(&secret);
                copied.set(true);
            }
            #[cfg(not(feature = "hydrate"))]
            let _ = &secret;
        }
    };
    view! {
        <div class="new-token notice" role="status">
            <p>
                <strong>"Copy your new token now."</strong>
                " It will not be shown again; if you lose it, revoke it and create another."
            </p>
            <label for="new-token">"New token"</label>
            <div class="field-row">
                <input id="new-token" class="mono" readonly=true value=secret.clone()
                    autocomplete="off" spellcheck="false" />
                <button type="button" on:click=copy>"Copy"</button>
            </div>
            <p class="hint" aria-live="polite">
                {move || if copied.get() { "Copied to the clipboard." } else { "" }}
            </p>
        </div>
    }
}

/// Revokes every token at once, with the password: what to do when one may have leaked.
#[component]
fn RevokeAll(action: ServerAction<RevokeAllTokens>, form: FormState) -> impl IntoView {
    view! {
        <details class="revoke-all">
            <summary>"Revoke all tokens…"</summary>
            <ActionForm action attr:class="form" attr:novalidate=true>
                <FormAlert form fields=vec!["current_password"] />
                <p class="hint">"Every program using one of your tokens stops working at once."</p>
                <Field form name="current_password" label="Password to revoke all tokens" kind="password"
                    autocomplete="current-password" required=true />
                <button type="submit" class="danger">"Revoke all tokens"</button>
            </ActionForm>
        </details>
    }
}

#[component]
fn TokenTable(list: TokenList, revoke: ServerAction<RevokeToken>) -> impl IntoView {
    let now = Utc::now();
    let TokenList { tokens, zone } = list;
    // On the person's clock, as every other date and time.
    let day = move |at: &DateTime<Utc>| moment_label(at, &zone);
    view! {
        <table class="tokens">
            <caption>"Your tokens"</caption>
            <thead>
                <tr>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Access"</th>
                    <th scope="col">"Created"</th>
                    <th scope="col">"Last used"</th>
                    <th scope="col">"Expires"</th>
                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                </tr>
            </thead>
            <tbody>
                {tokens.into_iter().map(|token| {
                    let expires = match token.expires_at {
                        None => "Never expires".to_owned(),
                        Some(at) if at <= now => format!("Expired {}", day(&at)),
                        Some(at) => day(&at),
                    };
                    let last_used = token.last_used_at.as_ref().map_or_else(|| "Never".to_owned(), &day);
                    let label = format!("Revoke {}", token.name);
                    view! {
                        <tr>
                            <th scope="row">{token.name.clone()}</th>
                            <td>{token.scope.label()}</td>
                            <td>{day(&token.created_at)}</td>
                            <td>{last_used}</td>
                            <td>{expires}</td>
                            <td>
                                <ActionForm action=revoke>
                                    <input type="hidden" name="id" value=token.id.to_string() />
                                    <button type="submit" class="danger small" aria-label=label>"Revoke"</button>
                                </ActionForm>
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}
