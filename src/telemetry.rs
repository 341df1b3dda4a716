//! Structured logs through `tracing`. The filter comes from `RUST_LOG`; `LOG_FORMAT=json`
//! switches to one JSON object per line for log collectors.

use tracing_subscriber::{fmt, EnvFilter};

/// Installs the global subscriber and the panic hook. Calling it again (as tests do) is
/// harmless.
pub fn init(filter: &str, json: bool) {
    log_panics();
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = fmt().with_env_filter(filter).with_target(true);
    let _ = if json {
        builder.json().flatten_event(true).try_init()
    } else {
        builder.try_init()
    };
}

/// The span of a request (method, path, request id), kept in its extensions so that what
/// the handler learns later (the API token it was made with) can be recorded on it and shows
/// on every line of that request: `Span::current()` inside a handler is a layer's own span.
#[derive(Clone, Debug)]
pub struct RequestSpan(pub tracing::Span);

/// Middleware just inside the request's span: keeps that span in the request (`RequestSpan`).
pub async fn keep_request_span(
    mut req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    req.extensions_mut()
        .insert(RequestSpan(tracing::Span::current()));
    next.run(req).await
}

/// Logs every panic through `tracing`, so it lands in the same log as everything else and
/// inside the span of the request it happened in (method, path, request id). The response is
/// the generic 500 of `startup::with_guards`. Installed once, however often it is called.
pub fn log_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // The default hook still runs after ours (stderr, and test harness messages).
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let message = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_default();
            let location = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()));
            tracing::error!(panic = %message, location, "a request handler panicked");
            previous(info);
        }));
    });
}

/// Middleware outside the request-id layer: an `x-request-id` sent by the client (a load
/// balancer's) is kept only when it is a short run of letters, digits and `-_.:`; any other is
/// removed, so the layer makes a UUID instead and nothing odd or long reaches the logs.
pub async fn drop_odd_request_ids(
    mut req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let well_formed = |value: &http::HeaderValue| {
        let bytes = value.as_bytes();
        (1..=MAX_REQUEST_ID_LEN).contains(&bytes.len())
            && bytes
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(b))
    };
    let headers = req.headers_mut();
    if headers.get_all(REQUEST_ID).iter().count() > 1
        || headers.get(REQUEST_ID).is_some_and(|v| !well_formed(v))
    {
        headers.remove(REQUEST_ID);
    }
    next.run(req).await
}

const REQUEST_ID: &str = "x-request-id";
/// Longest request id taken from a client (a UUID is 36).
const MAX_REQUEST_ID_LEN: usize = 64;
