//! Structured logs through `tracing`. The filter comes from `RUST_LOG`; `LOG_FORMAT=json`
//! switches to one JSON object per line for log collectors.

use tracing_subscriber::{fmt, EnvFilter};

/// Installs the global subscriber. Calling it again (as tests do) is harmless.
pub fn init(filter: &str, json: bool) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = fmt().with_env_filter(filter).with_target(true);
    let _ = if json {
        builder.json().flatten_event(true).try_init()
    } else {
        builder.try_init()
    };
}
