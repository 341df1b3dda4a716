//! Cross-site request refusal and security headers, as axum middleware.

use axum::{
    extract::{Request, State},
    http::{header, HeaderMap, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

/// What the middleware needs to know about the site.
#[derive(Clone, Debug)]
pub struct SiteSecurity {
    /// The public origin (`https://tasks.example.com`), when configured; requests whose
    /// `Origin` equals it are same-site even behind a proxy that rewrites `Host`.
    pub origin: Option<String>,
    /// Served over HTTPS: send HSTS.
    pub https: bool,
    /// In development, the websocket of cargo-leptos' live reload (`ws://host:port`).
    pub dev_reload: Option<String>,
}

/// The CSP nonce of one response, made by `security_headers` and handed to Leptos through
/// the request's extensions, so the hydration script carries the nonce the header allows.
#[derive(Clone, Debug)]
pub struct CspNonce(pub String);

impl CspNonce {
    fn new() -> Self {
        // 122 random bits from the OS generator, as hex: a valid and unguessable nonce.
        Self(uuid::Uuid::new_v4().simple().to_string())
    }
}

/// Refuses state-changing requests that come from another site. Leptos server functions
/// have no CSRF protection of their own; this is the check of modern browsers' fetch
/// metadata, with the `Origin` header as the fallback:
/// - `Sec-Fetch-Site`, when sent, must be `same-origin` or `none` (typed by the person);
/// - `Origin`, when sent, must name this site (its host equals the `Host` header, or it is
///   the configured public origin).
///
/// Requests with neither header (old browsers, scripts, curl) are not cross-site requests
/// from a browser, and pass. Safe methods always pass: no state changes over GET.
pub async fn refuse_cross_site(
    State(site): State<SiteSecurity>,
    req: Request,
    next: Next,
) -> Response {
    let safe = matches!(
        *req.method(),
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    );
    if !safe && is_cross_site(req.headers(), &site) {
        tracing::warn!(method = %req.method(), path = %req.uri().path(), "cross-site request refused");
        return (StatusCode::FORBIDDEN, "Cross-site request refused.\n").into_response();
    }
    next.run(req).await
}

fn is_cross_site(headers: &HeaderMap, site: &SiteSecurity) -> bool {
    if let Some(fetch_site) = headers.get("sec-fetch-site") {
        if !matches!(fetch_site.as_bytes(), b"same-origin" | b"none") {
            return true;
        }
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) else {
        return false;
    };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    !is_this_site(origin, host, site)
}

/// Whether `origin` (`scheme://host[:port]`) is this site: the configured public origin, or
/// this server itself (its scheme, HTTPS only when the site is served over HTTPS, and the
/// `host` the request was sent to).
fn is_this_site(origin: &str, host: Option<&str>, site: &SiteSecurity) -> bool {
    if site
        .origin
        .as_deref()
        .is_some_and(|public| public.eq_ignore_ascii_case(origin))
    {
        return true;
    }
    let scheme = if site.https { "https" } else { "http" };
    let authority = origin
        .split_once("://")
        .filter(|(s, _)| s.eq_ignore_ascii_case(scheme))
        .map(|(_, authority)| authority.trim_end_matches('/'));
    match (authority, host) {
        (Some(authority), Some(host)) => authority.eq_ignore_ascii_case(host),
        _ => false, // "null", another scheme, or an origin we cannot read
    }
}

/// Every redirect stays on this site. Leptos answers a plain form post to a server function,
/// and a plain link to a GET one, with a redirect to the request's `Referer`, which another
/// site chooses (and the error's text in its query): a `Location` that is not a path here
/// becomes its path when it names this site, and `/` when it names any other.
pub async fn redirect_on_site(
    State(site): State<SiteSecurity>,
    req: Request,
    next: Next,
) -> Response {
    let host = req.headers().get(header::HOST).cloned();
    let mut res = next.run(req).await;
    let Some(location) = res.headers().get(header::LOCATION) else {
        return res;
    };
    let location = location.to_str().unwrap_or_default();
    if crate::urls::safe_next(Some(location)) == location {
        return res;
    }
    let host = host.as_ref().and_then(|h| h.to_str().ok());
    let on_site = absolute_origin(location).is_some_and(|o| is_this_site(o, host, &site));
    let kept = if on_site {
        crate::urls::back_path(location, &[])
    } else {
        tracing::warn!("an off-site redirect was kept on this site");
        "/".to_owned()
    };
    if let Ok(value) = HeaderValue::from_str(&kept) {
        res.headers_mut().insert(header::LOCATION, value);
    }
    res
}

/// `scheme://authority` of an absolute URL.
fn absolute_origin(url: &str) -> Option<&str> {
    let (scheme, rest) = url.split_once("://")?;
    if scheme.is_empty()
        || !scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
    {
        return None;
    }
    let authority = rest.find(['/', '?', '#']).map_or(rest, |end| &rest[..end]);
    Some(&url[..scheme.len() + 3 + authority.len()])
}

/// Headers for every answer. An HTML page gets a Content-Security-Policy with a fresh nonce
/// (also given to Leptos for its inline hydration script); anything else gets one that
/// allows nothing. Everything but the static assets is `no-store`: pages show private data.
pub async fn security_headers(
    State(site): State<SiteSecurity>,
    mut req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path().to_owned();
    let nonce = CspNonce::new();
    req.extensions_mut().insert(nonce.clone());
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let is_html = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_html && !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        if let Ok(value) = HeaderValue::from_str(&page_csp(&nonce.0, site.dev_reload.clone())) {
            h.insert(header::CONTENT_SECURITY_POLICY, value);
        }
    }
    let set = |h: &mut HeaderMap, name: header::HeaderName, value: &'static str| {
        if !h.contains_key(&name) {
            h.insert(name, HeaderValue::from_static(value));
        }
    };
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::REFERRER_POLICY, "same-origin");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(
        h,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; frame-ancestors 'none'",
    );
    if site.https {
        set(
            h,
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=63072000; includeSubDomains",
        );
    }
    if !is_static_asset(&path) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

fn is_static_asset(path: &str) -> bool {
    path.starts_with("/pkg/") || path == "/favicon.svg" || path == "/favicon.ico"
}

/// The policy of an HTML page: scripts only from this site or inline with this response's
/// nonce, WASM allowed to compile, nothing framed, forms only posted here.
pub fn page_csp(nonce: &str, dev_reload: Option<String>) -> String {
    let connect = match dev_reload {
        Some(ws) => format!("'self' {ws}"),
        None => "'self'".to_owned(),
    };
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src {connect}; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(origin: Option<&str>, https: bool) -> SiteSecurity {
        SiteSecurity {
            origin: origin.map(str::to_owned),
            https,
            dev_reload: None,
        }
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    /// The `Location` a redirect to `to` leaves with, for a request sent to `127.0.0.1:3000`.
    async fn redirected(to: &'static str, site: SiteSecurity) -> String {
        use tower::ServiceExt;
        let app = axum::Router::new()
            .route(
                "/",
                axum::routing::get(
                    move || async move { (StatusCode::FOUND, [(header::LOCATION, to)]) },
                ),
            )
            .layer(axum::middleware::from_fn_with_state(site, redirect_on_site));
        let res = app
            .oneshot(
                http::Request::get("/")
                    .header(header::HOST, "127.0.0.1:3000")
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        res.headers()[header::LOCATION].to_str().unwrap().to_owned()
    }

    #[tokio::test]
    async fn redirects_stay_on_this_site() {
        let plain = || site(None, false);
        assert_eq!(
            redirected("/account?done=1", plain()).await,
            "/account?done=1"
        );
        assert_eq!(
            redirected("http://127.0.0.1:3000/account?x=1", plain()).await,
            "/account?x=1",
            "this site, by its Host"
        );
        assert_eq!(
            redirected(
                "https://tasks.example.com/t?a",
                site(Some("https://tasks.example.com"), true)
            )
            .await,
            "/t?a",
            "this site, by SITE_URL"
        );
        for away in [
            "https://evil.example/phish?error=The%20request",
            "//evil.example/x",
            "/\\evil.example",
            "https://127.0.0.1:3000.evil.example/",
            "javascript:alert(1)",
            "https://127.0.0.1:3000/",
        ] {
            assert_eq!(redirected(away, plain()).await, "/", "{away}");
        }
    }

    #[test]
    fn same_origin_requests_pass() {
        assert!(!is_cross_site(
            &headers(&[
                ("sec-fetch-site", "same-origin"),
                ("origin", "http://127.0.0.1:3000"),
                ("host", "127.0.0.1:3000")
            ]),
            &site(None, false)
        ));
        assert!(
            !is_cross_site(&headers(&[("host", "127.0.0.1:3000")]), &site(None, false)),
            "no browser headers"
        );
        assert!(
            !is_cross_site(&headers(&[("sec-fetch-site", "none")]), &site(None, false)),
            "typed by the person"
        );
    }

    #[test]
    fn cross_site_requests_are_caught_by_either_header() {
        assert!(is_cross_site(
            &headers(&[("sec-fetch-site", "cross-site")]),
            &site(None, false)
        ));
        assert!(is_cross_site(
            &headers(&[("sec-fetch-site", "same-site")]),
            &site(None, false)
        ));
        assert!(is_cross_site(
            &headers(&[
                ("origin", "https://evil.example"),
                ("host", "127.0.0.1:3000")
            ]),
            &site(None, false)
        ));
        assert!(is_cross_site(
            &headers(&[("origin", "null"), ("host", "127.0.0.1:3000")]),
            &site(None, false)
        ));
        assert!(
            is_cross_site(
                &headers(&[
                    ("origin", "http://127.0.0.1:3001"),
                    ("host", "127.0.0.1:3000")
                ]),
                &site(None, false)
            ),
            "another port is another origin"
        );
    }

    #[test]
    fn the_configured_public_origin_passes_behind_a_proxy() {
        let h = headers(&[
            ("origin", "https://tasks.example.com"),
            ("host", "10.0.0.5:3000"),
        ]);
        assert!(is_cross_site(&h, &site(None, false)));
        assert!(!is_cross_site(
            &h,
            &site(Some("https://tasks.example.com"), true)
        ));
    }

    #[test]
    fn the_origin_fallback_compares_the_scheme_too() {
        let h = headers(&[
            ("origin", "https://127.0.0.1:3000"),
            ("host", "127.0.0.1:3000"),
        ]);
        assert!(
            is_cross_site(&h, &site(None, false)),
            "https origin, http site"
        );
        assert!(!is_cross_site(&h, &site(None, true)));
        let h = headers(&[
            ("origin", "http://127.0.0.1:3000"),
            ("host", "127.0.0.1:3000"),
        ]);
        assert!(!is_cross_site(&h, &site(None, false)));
        assert!(
            is_cross_site(&h, &site(None, true)),
            "http origin, https site"
        );
        let h = headers(&[
            ("origin", "ftp://127.0.0.1:3000"),
            ("host", "127.0.0.1:3000"),
        ]);
        assert!(is_cross_site(&h, &site(None, false)));
    }

    #[test]
    fn the_page_policy_carries_the_nonce_and_forbids_framing() {
        let csp = page_csp("abc123", None);
        assert!(csp.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval'"));
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(!csp.contains("unsafe-inline"));
    }
}
