//! Light and dark: the system preference by default, and a toggle that is remembered in a
//! cookie so the server renders the chosen theme on the next visit (no flash, no inline script).

use leptos::prelude::*;

pub const COOKIE_NAME: &str = "theme";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    Light,
    Dark,
}

impl Theme {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Light => "light",
            Self::Dark => "dark",
        }
    }

    pub fn toggled(self) -> Self {
        match self {
            Self::Light => Self::Dark,
            Self::Dark => Self::Light,
        }
    }

    /// The theme remembered in a `Cookie` header (or `document.cookie`), if any.
    pub fn from_cookies(cookies: &str) -> Option<Self> {
        cookies
            .split(';')
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == COOKIE_NAME)
            .and_then(|(_, value)| match value {
                "light" => Some(Self::Light),
                "dark" => Some(Self::Dark),
                _ => None,
            })
    }
}

/// The remembered theme of the current request (server) or document (browser).
pub fn remembered_theme() -> Option<Theme> {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>()
            .and_then(|parts| {
                parts
                    .headers
                    .get(http::header::COOKIE)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            })
            .and_then(|cookies| Theme::from_cookies(&cookies))
    }
    #[cfg(not(feature = "ssr"))]
    {
        browser::document_cookies().and_then(|c| Theme::from_cookies(&c))
    }
}

/// A button that flips between light and dark. It needs the WASM app: without JavaScript
/// the page simply follows the system setting.
#[component]
pub fn ThemeToggle() -> impl IntoView {
    // Starts from what the server saw, so hydration finds the same markup.
    let remembered = RwSignal::new(remembered_theme());
    let system_dark = RwSignal::new(false);
    Effect::new(move || {
        #[cfg(feature = "hydrate")]
        system_dark.set(browser::system_prefers_dark());
    });
    let effective = move || {
        remembered.get().unwrap_or(if system_dark.get() {
            Theme::Dark
        } else {
            Theme::Light
        })
    };
    let on_click = move |_| {
        let next = effective().toggled();
        remembered.set(Some(next));
        #[cfg(feature = "hydrate")]
        browser::apply_and_remember(next);
    };

    view! {
        <button
            type="button"
            class="theme-toggle"
            aria-label="Dark theme"
            aria-pressed=move || (effective() == Theme::Dark).to_string()
            title="Switch between light and dark"
            on:click=on_click
        >
            <span aria-hidden="true" class="theme-toggle-icon">
                {move || if effective() == Theme::Dark { "☾" } else { "☀" }}
            </span>
        </button>
    }
}

#[cfg(not(feature = "ssr"))]
mod browser {
    #[cfg(feature = "hydrate")]
    use super::{Theme, COOKIE_NAME};
    use wasm_bindgen::JsCast;

    pub fn document_cookies() -> Option<String> {
        let document = web_sys::window()?.document()?;
        document
            .dyn_into::<web_sys::HtmlDocument>()
            .ok()?
            .cookie()
            .ok()
    }

    #[cfg(feature = "hydrate")]
    pub fn system_prefers_dark() -> bool {
        web_sys::window()
            .and_then(|w| w.match_media("(prefers-color-scheme: dark)").ok().flatten())
            .is_some_and(|m| m.matches())
    }

    #[cfg(feature = "hydrate")]
    pub fn apply_and_remember(theme: Theme) {
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        if let Some(root) = document.document_element() {
            let _ = root.set_attribute("data-theme", theme.as_str());
        }
        if let Ok(html) = document.dyn_into::<web_sys::HtmlDocument>() {
            let _ = html.set_cookie(&format!(
                "{COOKIE_NAME}={}; Path=/; Max-Age=31536000; SameSite=Lax",
                theme.as_str()
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_theme_cookie_is_found_among_others() {
        assert_eq!(
            Theme::from_cookies("id=abc; theme=dark; x=1"),
            Some(Theme::Dark)
        );
        assert_eq!(Theme::from_cookies("theme=light"), Some(Theme::Light));
    }

    #[test]
    fn unknown_or_missing_themes_mean_the_system_setting() {
        assert_eq!(Theme::from_cookies(""), None);
        assert_eq!(Theme::from_cookies("theme=<script>"), None);
        assert_eq!(Theme::from_cookies("mytheme=dark"), None);
    }

    #[test]
    fn toggling_flips() {
        assert_eq!(Theme::Light.toggled(), Theme::Dark);
        assert_eq!(Theme::Dark.toggled(), Theme::Light);
    }
}
