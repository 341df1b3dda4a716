//! Prometheus metrics. What is counted where:
//!
//! - every request, by method, route and status, and its latency (`count_requests`, the
//!   outermost layer of `startup::with_guards`, so panics' 500s and time limits' 503s count);
//! - the database pool's size and idle connections, the open live streams and the password
//!   work running or waiting, read when `/metrics` is scraped (`endpoint::Gauges`);
//! - events where they happen: the database unavailable (`error.rs`, by reason: that is where
//!   a request that waited too long for a pooled connection shows), sign-in failures and
//!   password checks turned away (`auth`), requests past their time limit (`startup`).
//!
//! `/metrics` is served on an address of its own (`METRICS_ADDR`, `endpoint`), never on the
//! public one; a process without that setting installs no recorder, and every count is then
//! a no-op.

use std::{sync::OnceLock, time::Instant};

use axum::{
    extract::{MatchedPath, Request},
    middleware::Next,
    response::Response,
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

pub mod endpoint;

pub const REQUESTS: &str = "http_requests_total";
pub const REQUEST_SECONDS: &str = "http_request_duration_seconds";
pub const IN_FLIGHT: &str = "http_requests_in_flight";
pub const DB_UNAVAILABLE: &str = "db_unavailable_total";
pub const SIGN_IN_FAILURES: &str = "sign_in_failures_total";
pub const PASSWORD_REFUSED: &str = "password_checks_refused_total";
pub const REQUEST_TIMEOUTS: &str = "http_request_timeouts_total";

/// Latency buckets, in seconds: from a cached page (1 ms) to the request time limit.
const BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process's recorder, installed on first use (one per process, however many servers a
/// test starts in it).
pub fn recorder() -> PrometheusHandle {
    HANDLE
        .get_or_init(|| {
            PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full(REQUEST_SECONDS.into()), BUCKETS)
                .expect("the buckets are not empty")
                .install_recorder()
                .expect("no other metrics recorder is installed")
        })
        .clone()
}

/// Counts each request and times it to its answer's head (a stream's body, such as the live
/// updates or an export, goes on after that). The route is the router's pattern, so an
/// attacker's made-up paths all count as one `unmatched` route.
pub async fn count_requests(req: Request, next: Next) -> Response {
    // Without a recorder (no `METRICS_ADDR`) the counts would go nowhere: skip their labels.
    if HANDLE.get().is_none() {
        return next.run(req).await;
    }
    let method = method_label(req.method());
    let route = route_label(&req);
    let started = Instant::now();
    let in_flight = InFlight::new();
    let res = next.run(req).await;
    drop(in_flight);
    let status = res.status().as_u16().to_string();
    metrics::counter!(REQUESTS, "method" => method, "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!(REQUEST_SECONDS, "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
    res
}

/// The in-flight gauge goes down again however the request ends (answered, or dropped when
/// its client went away).
struct InFlight;

impl InFlight {
    fn new() -> Self {
        metrics::gauge!(IN_FLIGHT).increment(1.0);
        Self
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        metrics::gauge!(IN_FLIGHT).decrement(1.0);
    }
}

fn method_label(method: &http::Method) -> &'static str {
    match *method {
        http::Method::GET => "GET",
        http::Method::HEAD => "HEAD",
        http::Method::POST => "POST",
        http::Method::PUT => "PUT",
        http::Method::PATCH => "PATCH",
        http::Method::DELETE => "DELETE",
        http::Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

fn route_label(req: &Request) -> String {
    if let Some(path) = req.extensions().get::<MatchedPath>() {
        return path.as_str().to_owned();
    }
    // The fallback serves the static files (one label for all of them) and the not-found page.
    if req.uri().path().starts_with("/pkg/") {
        "/pkg/{file}".to_owned()
    } else {
        "unmatched".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_up_methods_and_paths_fall_into_one_label_each() {
        assert_eq!(method_label(&http::Method::GET), "GET");
        let custom = http::Method::from_bytes(b"BREW").unwrap();
        assert_eq!(method_label(&custom), "other");
        let req = |path: &str| Request::get(path).body(axum::body::Body::empty()).unwrap();
        assert_eq!(route_label(&req("/no/such/page/123")), "unmatched");
        assert_eq!(route_label(&req("/pkg/tasklist.wasm")), "/pkg/{file}");
    }
}
