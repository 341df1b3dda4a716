//! The page shell and the routes of the app.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{Route, Router, Routes, A},
    lazy_route, Lazy, LazyRoute, SsrMode, StaticSegment,
};

use crate::{
    auth::ui::{provide_auth, AccountMenu, AccountPage, SignInPage, SignUpPage},
    tags::ui::TagsPage,
    tasks::ui::TasksPage,
    theme::{remembered_theme, ThemeToggle},
};

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let theme = remembered_theme().map(|t| t.as_str());
    view! {
        <!DOCTYPE html>
        <html lang="en" data-theme=theme>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_auth();

    // Effects run only in the browser, so this turns true once the WASM app has taken over
    // the server-rendered page. End-to-end tests wait for it before interacting.
    let hydrated = RwSignal::new(false);
    Effect::new(move || hydrated.set(true));

    view! {
        <Stylesheet id="leptos" href="/pkg/tasklist.css" />
        <Title formatter=|page: String| {
            if page.is_empty() { "Tasks".to_owned() } else { format!("{page} · Tasks") }
        } />
        <Router>
            <div class="app" data-hydrated=move || hydrated.get().to_string()>
                <a class="skip-link" href="#main">"Skip to content"</a>
                <header class="site-header">
                    <A href="/" attr:class="brand">
                        <span class="brand-mark" aria-hidden="true">"✓"</span>
                        " Tasks"
                    </A>
                    <nav class="site-nav" aria-label="Account">
                        <AccountMenu />
                        <ThemeToggle />
                    </nav>
                </header>
                <main id="main" class="site-main" tabindex="-1">
                    <Routes fallback=NotFound>
                        <Route path=StaticSegment("") view=TasksPage ssr=SsrMode::Async />
                        <Route
                            path=StaticSegment("sign-in")
                            view={Lazy::<SignIn>::new()}
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=StaticSegment("sign-up")
                            view={Lazy::<SignUp>::new()}
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=StaticSegment("account")
                            view={Lazy::<Account>::new()}
                            ssr=SsrMode::Async
                        />
                        <Route path=StaticSegment("tags") view={Lazy::<Tags>::new()} ssr=SsrMode::Async />
                    </Routes>
                </main>
            </div>
        </Router>
    }
}

// The pages other than the task list, each in a WASM file of its own that the browser
// fetches the first time it shows the page (`cargo leptos build --split`), so that the task
// list, where people spend their time, loads only its own code. On the server they render
// like any page.

/// `/sign-in`.
struct SignIn;

#[lazy_route]
impl LazyRoute for SignIn {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <SignInPage /> }.into_any()
    }
}

/// `/sign-up`.
struct SignUp;

#[lazy_route]
impl LazyRoute for SignUp {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <SignUpPage /> }.into_any()
    }
}

/// `/account`.
struct Account;

#[lazy_route]
impl LazyRoute for Account {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <AccountPage /> }.into_any()
    }
}

/// `/tags`.
struct Tags;

#[lazy_route]
impl LazyRoute for Tags {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <TagsPage /> }.into_any()
    }
}

#[component]
fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found" />
        <section class="card narrow">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address."</p>
            <p><A href="/">"Go to the start page"</A></p>
        </section>
    }
}
