//! Paths and query strings: where a page may send a person next, and how values are put in a
//! URL. Shared with the browser.

/// Where to go after signing in: only a path on this site, anything else means `/`.
pub fn safe_next(next: Option<&str>) -> String {
    let Some(next) = next.map(str::trim).filter(|n| !n.is_empty()) else {
        return "/".into();
    };
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(|c| c.is_control() || c == '\\');
    if local {
        next.to_owned()
    } else {
        "/".into()
    }
}

/// Percent-encodes a value for a query string (everything but unreserved characters).
pub fn encode_query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// The path and query of `referer`, without the parameters in `drop`.
#[cfg(any(feature = "ssr", test))]
pub fn back_path(referer: &str, drop: &[&str]) -> String {
    let path = match referer.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]),
        None => referer,
    };
    let path = safe_next(Some(path));
    let Some((base, query)) = path.split_once('?') else {
        return path;
    };
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| {
            let name = pair.split('=').next().unwrap_or_default();
            !pair.is_empty() && !drop.contains(&name)
        })
        .collect();
    if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(
            safe_next(Some("/tasks?filter=active")),
            "/tasks?filter=active"
        );
        assert_eq!(safe_next(Some("/")), "/");
        for bad in [
            "//evil.com",
            "https://evil.com",
            "/\\evil.com",
            "javascript:alert(1)",
            "evil.com",
            "/\nLocation: x",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(encode_query_value("/a b?x=1&y"), "%2Fa%20b%3Fx%3D1%26y");
        assert_eq!(encode_query_value("plain-text_~."), "plain-text_~.");
    }

    #[test]
    fn back_path_keeps_the_page_and_drops_what_it_is_told() {
        assert_eq!(
            back_path("http://127.0.0.1:3000/?filter=active&edit=4", &["edit"]),
            "/?filter=active"
        );
        assert_eq!(back_path("http://h/?edit=4", &["edit"]), "/");
        assert_eq!(back_path("http://h/account", &["edit"]), "/account");
        assert_eq!(back_path("http://h", &[]), "/");
    }

    #[test]
    fn back_path_never_leaves_the_site() {
        assert_eq!(back_path("//evil.com/x", &[]), "/");
        assert_eq!(back_path("", &[]), "/");
        assert_eq!(back_path("https://evil.com//evil.org", &[]), "/");
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn after_sign_in_only_local_paths_are_followed(raw in "[/\\\\a-z:.?=&%\\n ]{0,40}|.{0,40}") {
                let next = safe_next(Some(&raw));
                prop_assert!(next.starts_with('/'));
                prop_assert!(!next.starts_with("//") && !next.starts_with("/\\"));
                prop_assert!(!next.chars().any(|c| c.is_control()));
            }
        }
    }
}
