//! Configuration, read once from the environment at start-up. Every setting has a default
//! that works on a developer's machine; secrets never appear in `Debug` output or logs.

use std::{fmt, net::SocketAddr, path::Path, time::Duration};

use leptos::config::{get_configuration, LeptosOptions};

use crate::client::TrustedProxies;

/// How much one person may keep (`MAX_TASKS_PER_USER`, `MAX_TAGS_PER_USER`).
#[derive(Clone, Copy, Debug)]
pub struct Quotas {
    pub tasks: i64,
    pub tags: i64,
}

/// Everything the server needs to start.
#[derive(Clone)]
pub struct Config {
    /// `DATABASE_URL`; when unset, the project-local cluster of `scripts/db.sh`.
    pub database_url: DatabaseUrl,
    /// `DATABASE_DIRECT_URL` (formerly `DATABASE_LISTEN_URL`, still read): a direct
    /// connection to the same database for what a transaction pooler cannot carry, the
    /// migrations (they hold a session advisory lock) and the live updates' LISTEN. Unset:
    /// both use `DATABASE_URL`.
    pub database_direct_url: Option<DatabaseUrl>,
    /// `DATABASE_MAX_CONNECTIONS`, default 15.
    pub db_max_connections: u32,
    /// `DATABASE_ACQUIRE_TIMEOUT_SECS`, default 5: how long a request waits for a free
    /// connection before it gets a "busy, try again" answer instead of hanging.
    pub db_acquire_timeout: Duration,
    /// Site address, output names and paths, from the `LEPTOS_*` variables cargo-leptos uses.
    pub leptos: LeptosOptions,
    /// `RUST_LOG`, default `info`.
    pub log_filter: String,
    /// `LOG_FORMAT=json` for one JSON object per line.
    pub log_json: bool,
    /// `SITE_URL`: the public origin, e.g. `https://tasks.example.com`. When it is HTTPS,
    /// cookies are Secure and HSTS is sent. Default: none (plain HTTP on the site address).
    pub site_url: Option<String>,
    /// `SESSION_IDLE_SECS`, default 7 days: a session unused this long is over.
    pub session_idle: Duration,
    /// `SESSION_ABSOLUTE_SECS`, default 30 days: a session is over this long after sign-in.
    pub session_absolute: Duration,
    /// `SIGN_IN_MAX_FAILURES`, default 10 failed sign-ins per email per window.
    pub sign_in_max_failures: i64,
    /// `AUTH_ADDRESS_LIMIT`, default 100 sign-in and sign-up attempts per address per window.
    pub auth_address_limit: i64,
    /// `AUTH_WINDOW_SECS`, default 900 (15 minutes): the window of both limits.
    pub auth_window: Duration,
    /// `CLEANUP_INTERVAL_SECS`, default 60: how often expired sessions and old sign-in
    /// counters are deleted.
    pub cleanup_interval: Duration,
    /// `TRUSTED_PROXIES`: CIDRs of the load balancers whose `X-Forwarded-For` is believed.
    pub trusted_proxies: TrustedProxies,
    /// `REQUEST_TIMEOUT_SECS`, default 30: a request still unanswered after this gets 503.
    pub request_timeout: Duration,
    /// `DATABASE_STATEMENT_TIMEOUT_SECS`, default 10: PostgreSQL cancels a statement that
    /// runs longer (`statement_timeout` on every connection of the pool).
    pub statement_timeout: Duration,
    /// `MAX_TASKS_PER_USER`, default 200,000.
    pub max_tasks_per_user: i64,
    /// `MAX_TAGS_PER_USER`, default 500.
    pub max_tags_per_user: i64,
    /// `PASSWORD_HASH_THREADS`, default one fewer than the cores (at least 1): argon2
    /// hashes and verifies at once, so the other cores keep serving everything else.
    pub password_threads: usize,
    /// `PASSWORD_HASH_QUEUE`, default 16: password checks that may wait for a thread;
    /// past that a sign-in is answered 503 with `Retry-After` at once.
    pub password_queue: usize,
    /// `LIVE_MAX_STREAMS`, default 10,000: live streams one instance holds open at once.
    pub live_max_streams: usize,
    /// `LIVE_MAX_STREAMS_PER_USER`, default 20: live streams one person may hold open on one
    /// instance (a browser shares one among its tabs).
    pub live_max_streams_per_user: usize,
    /// `API_RATE_LIMIT`, default 600: requests one API token may make per minute on one
    /// instance (all of them at once if it has been idle a minute); past it, 429.
    pub api_rate_limit: u32,
    /// `SHUTDOWN_DRAIN_SECS`, default 5: after SIGTERM the instance keeps serving this long
    /// with `/healthz` answering 503, so that a load balancer takes it out before it stops
    /// accepting connections.
    pub shutdown_drain: Duration,
    /// `SHUTDOWN_TIMEOUT_SECS`, default 30: after the drain, requests in flight get this long
    /// to finish; then the process exits anyway.
    pub shutdown_timeout: Duration,
    /// `METRICS_ADDR`: where `/metrics` (Prometheus) is served, an address of its own that
    /// is never the public one. Unset: no metrics endpoint.
    pub metrics_addr: Option<SocketAddr>,
    /// What one client or person may hold of this instance at once.
    pub admission: Admission,
}

/// The bounds on what clients hold at once: connections, bodies being read, imports,
/// exports, live streams per address, and unknown tokens tried (SECURITY.md R4).
#[derive(Clone, Copy, Debug)]
pub struct Admission {
    /// `HTTP_HEADER_TIMEOUT_SECS`, default 10: a connection that has not sent a whole
    /// request head this long after it opened, or after its last answer (an idle
    /// keep-alive), is closed.
    pub header_timeout: Duration,
    /// `HTTP_WRITE_TIMEOUT_SECS`, default 30: a connection whose client has not taken any
    /// of an answer for this long (its receive window full) is closed.
    pub write_timeout: Duration,
    /// `HTTP_MAX_CONNECTIONS`, default 16,384: open connections; past it, new ones wait in
    /// the listen queue until one closes.
    pub max_connections: usize,
    /// `BODY_READS_MAX`, default 256: request bodies (of at most 256 KiB) read at once;
    /// past it, 503 with `Retry-After` before the body is read.
    pub body_reads: usize,
    /// `IMPORTS_MAX`, default 2: imports at once on the instance (one per person); past
    /// it, 503 with `Retry-After` before the file is read.
    pub imports: usize,
    /// `EXPORTS_MAX`, default 4: exports streaming at once on the instance (one per
    /// person); past it, 503 with `Retry-After`.
    pub exports: usize,
    /// `LIVE_MAX_STREAMS_PER_ADDRESS`, default 200: live streams from one client address
    /// (an IPv6 /64) on the instance; past it, 429.
    pub live_streams_per_address: usize,
    /// `API_BAD_TOKEN_LIMIT`, default 30: unknown, revoked or expired tokens one client
    /// address may present per minute; past it, 429 before the database is asked.
    pub bad_tokens_per_minute: u32,
}

/// A connection string whose password never reaches a log.
#[derive(Clone)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    pub fn new(url: impl Into<String>) -> Self {
        Self(url.into())
    }

    /// The real URL, to hand to the driver and nowhere else.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&redact_password(&self.0))
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &self.database_url)
            .field("database_direct_url", &self.database_direct_url)
            .field("db_max_connections", &self.db_max_connections)
            .field("db_acquire_timeout", &self.db_acquire_timeout)
            .field("site_addr", &self.leptos.site_addr)
            .field("site_root", &self.leptos.site_root)
            .field("log_filter", &self.log_filter)
            .field("site_url", &self.site_url)
            .field("session_idle", &self.session_idle)
            .field("session_absolute", &self.session_absolute)
            .field("sign_in_max_failures", &self.sign_in_max_failures)
            .field("auth_address_limit", &self.auth_address_limit)
            .field("auth_window", &self.auth_window)
            .field("cleanup_interval", &self.cleanup_interval)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("request_timeout", &self.request_timeout)
            .field("statement_timeout", &self.statement_timeout)
            .field("max_tasks_per_user", &self.max_tasks_per_user)
            .field("max_tags_per_user", &self.max_tags_per_user)
            .field("password_threads", &self.password_threads)
            .field("password_queue", &self.password_queue)
            .field("admission", &self.admission)
            .field("live_max_streams", &self.live_max_streams)
            .field("live_max_streams_per_user", &self.live_max_streams_per_user)
            .field("api_rate_limit", &self.api_rate_limit)
            .field("shutdown_drain", &self.shutdown_drain)
            .field("shutdown_timeout", &self.shutdown_timeout)
            .field("metrics_addr", &self.metrics_addr)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{name} is not valid: {reason}")]
    Invalid { name: &'static str, reason: String },
    #[error("the Leptos settings (LEPTOS_*) are not valid: {0}")]
    Leptos(String),
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        let leptos = get_configuration(None)
            .map_err(|e| ConfigError::Leptos(e.to_string()))?
            .leptos_options;
        let cwd = std::env::current_dir().unwrap_or_else(|_| ".".into());
        Self::from_lookup(|name| std::env::var(name).ok(), leptos, &cwd)
    }

    /// Reads settings through `lookup`, so that tests need not touch the process environment.
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
        leptos: LeptosOptions,
        project_dir: &Path,
    ) -> Result<Self, ConfigError> {
        let database_url = match lookup("DATABASE_URL").filter(|s| !s.trim().is_empty()) {
            Some(url) => url,
            None => local_database_url(project_dir),
        };
        let database_url = postgres_url("DATABASE_URL", database_url)?;
        let set = |name: &'static str| {
            lookup(name)
                .map(|url| url.trim().to_owned())
                .filter(|url| !url.is_empty())
                .map(|url| (name, url))
        };
        let database_direct_url = set("DATABASE_DIRECT_URL")
            .or_else(|| set("DATABASE_LISTEN_URL"))
            .map(|(name, url)| postgres_url(name, url))
            .transpose()?;
        let db_max_connections =
            parse_number(&lookup, "DATABASE_MAX_CONNECTIONS", 15u32, 1..=1000)?;
        const DAY: u64 = 24 * 60 * 60;
        let site_url = lookup("SITE_URL")
            .map(|u| u.trim().trim_end_matches('/').to_owned())
            .filter(|u| !u.is_empty());
        if let Some(url) = &site_url {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(ConfigError::Invalid {
                    name: "SITE_URL",
                    reason: "must start with http:// or https://".into(),
                });
            }
        }
        let trusted_proxies = TrustedProxies::parse(&lookup("TRUSTED_PROXIES").unwrap_or_default())
            .map_err(|reason| ConfigError::Invalid {
                name: "TRUSTED_PROXIES",
                reason,
            })?;
        let metrics_addr = lookup("METRICS_ADDR")
            .map(|a| a.trim().to_owned())
            .filter(|a| !a.is_empty())
            .map(|a| {
                a.parse::<SocketAddr>().map_err(|_| ConfigError::Invalid {
                    name: "METRICS_ADDR",
                    reason: format!(
                        "expected an address and port such as 127.0.0.1:9100, got {a:?}"
                    ),
                })
            })
            .transpose()?;
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Ok(Self {
            trusted_proxies,
            request_timeout: parse_secs(&lookup, "REQUEST_TIMEOUT_SECS", 30, 1..=3600)?,
            statement_timeout: parse_secs(
                &lookup,
                "DATABASE_STATEMENT_TIMEOUT_SECS",
                10,
                1..=3600,
            )?,
            max_tasks_per_user: parse_number(
                &lookup,
                "MAX_TASKS_PER_USER",
                200_000i64,
                1..=100_000_000,
            )?,
            max_tags_per_user: parse_number(&lookup, "MAX_TAGS_PER_USER", 500i64, 1..=1_000_000)?,
            password_threads: parse_number(
                &lookup,
                "PASSWORD_HASH_THREADS",
                cores.saturating_sub(1).max(1),
                1..=1024,
            )?,
            password_queue: parse_number(&lookup, "PASSWORD_HASH_QUEUE", 16usize, 0..=100_000)?,
            live_max_streams: parse_number(
                &lookup,
                "LIVE_MAX_STREAMS",
                10_000usize,
                1..=1_000_000,
            )?,
            live_max_streams_per_user: parse_number(
                &lookup,
                "LIVE_MAX_STREAMS_PER_USER",
                20usize,
                1..=10_000,
            )?,
            api_rate_limit: parse_number(&lookup, "API_RATE_LIMIT", 600u32, 1..=1_000_000)?,
            database_url: DatabaseUrl::new(database_url),
            database_direct_url: database_direct_url.map(DatabaseUrl::new),
            db_max_connections,
            db_acquire_timeout: parse_secs(&lookup, "DATABASE_ACQUIRE_TIMEOUT_SECS", 5, 1..=120)?,
            leptos,
            log_filter: lookup("RUST_LOG").unwrap_or_else(|| "info".into()),
            log_json: lookup("LOG_FORMAT").is_some_and(|v| v.eq_ignore_ascii_case("json")),
            site_url,
            session_idle: parse_secs(&lookup, "SESSION_IDLE_SECS", 7 * DAY, 1..=365 * DAY)?,
            session_absolute: parse_secs(
                &lookup,
                "SESSION_ABSOLUTE_SECS",
                30 * DAY,
                1..=365 * DAY,
            )?,
            sign_in_max_failures: parse_number(&lookup, "SIGN_IN_MAX_FAILURES", 10i64, 1..=10_000)?,
            auth_address_limit: parse_number(&lookup, "AUTH_ADDRESS_LIMIT", 100i64, 1..=1_000_000)?,
            auth_window: parse_secs(&lookup, "AUTH_WINDOW_SECS", 900, 1..=DAY)?,
            cleanup_interval: parse_secs(&lookup, "CLEANUP_INTERVAL_SECS", 60, 1..=DAY)?,
            shutdown_drain: parse_secs(&lookup, "SHUTDOWN_DRAIN_SECS", 5, 0..=300)?,
            shutdown_timeout: parse_secs(&lookup, "SHUTDOWN_TIMEOUT_SECS", 30, 1..=3600)?,
            metrics_addr,
            admission: Admission {
                header_timeout: parse_secs(&lookup, "HTTP_HEADER_TIMEOUT_SECS", 10, 1..=300)?,
                write_timeout: parse_secs(&lookup, "HTTP_WRITE_TIMEOUT_SECS", 30, 1..=3600)?,
                max_connections: parse_number(
                    &lookup,
                    "HTTP_MAX_CONNECTIONS",
                    16_384usize,
                    1..=1_000_000,
                )?,
                body_reads: parse_number(&lookup, "BODY_READS_MAX", 256usize, 1..=100_000)?,
                imports: parse_number(&lookup, "IMPORTS_MAX", 2usize, 1..=64)?,
                exports: parse_number(&lookup, "EXPORTS_MAX", 4usize, 1..=1024)?,
                live_streams_per_address: parse_number(
                    &lookup,
                    "LIVE_MAX_STREAMS_PER_ADDRESS",
                    200usize,
                    1..=1_000_000,
                )?,
                bad_tokens_per_minute: parse_number(
                    &lookup,
                    "API_BAD_TOKEN_LIMIT",
                    30u32,
                    1..=1_000_000,
                )?,
            },
        })
    }

    /// Served over HTTPS (per `SITE_URL`): Secure cookies and HSTS.
    pub fn https(&self) -> bool {
        self.site_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    }
}

/// The database of `scripts/db.sh`: a Unix socket under the project's `.data/run`.
pub fn local_database_url(project_dir: &Path) -> String {
    format!(
        "postgres://tasklist@localhost/tasklist?host={}",
        project_dir.join(".data/run").display()
    )
}

/// `url` when it names PostgreSQL; else the error for setting `name`.
fn postgres_url(name: &'static str, url: String) -> Result<String, ConfigError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(url)
    } else {
        Err(ConfigError::Invalid {
            name,
            reason: "must start with postgres:// or postgresql://".into(),
        })
    }
}

fn parse_number<T>(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: T,
    range: std::ops::RangeInclusive<T>,
) -> Result<T, ConfigError>
where
    T: std::str::FromStr + PartialOrd + fmt::Display + Copy,
{
    let Some(raw) = lookup(name) else {
        return Ok(default);
    };
    let value: T = raw.trim().parse().map_err(|_| ConfigError::Invalid {
        name,
        reason: format!("expected a whole number, got {raw:?}"),
    })?;
    if !range.contains(&value) {
        return Err(ConfigError::Invalid {
            name,
            reason: format!("must be between {} and {}", range.start(), range.end()),
        });
    }
    Ok(value)
}

/// A number of seconds (`parse_number`) as a `Duration`.
fn parse_secs(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: u64,
    range: std::ops::RangeInclusive<u64>,
) -> Result<Duration, ConfigError> {
    parse_number(lookup, name, default, range).map(Duration::from_secs)
}

/// `postgres://user:secret@host/db` becomes `postgres://user:[redacted]@host/db`; a
/// `password=` query parameter is hidden the same way.
fn redact_password(url: &str) -> String {
    let mut out = url.to_owned();
    if let Some(scheme_end) = out.find("://") {
        let rest_start = scheme_end + 3;
        let authority_end = out[rest_start..]
            .find(['/', '?'])
            .map_or(out.len(), |i| rest_start + i);
        if let Some(at) = out[rest_start..authority_end].rfind('@') {
            let userinfo = &out[rest_start..rest_start + at];
            if let Some(colon) = userinfo.find(':') {
                let start = rest_start + colon + 1;
                out.replace_range(start..rest_start + at, "[redacted]");
            }
        }
    }
    if let Some(q) = out.find("password=") {
        let start = q + "password=".len();
        let end = out[start..].find('&').map_or(out.len(), |i| start + i);
        out.replace_range(start..end, "[redacted]");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn leptos() -> LeptosOptions {
        LeptosOptions::builder().output_name("tasklist").build()
    }

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| vars.get(k).cloned(), leptos(), Path::new("/srv/app"))
    }

    #[test]
    fn defaults_point_at_the_project_local_database() {
        let c = config(&[]).unwrap();
        assert_eq!(
            c.database_url.expose(),
            "postgres://tasklist@localhost/tasklist?host=/srv/app/.data/run"
        );
        assert_eq!(c.db_max_connections, 15);
        assert_eq!(c.db_acquire_timeout, Duration::from_secs(5));
        assert_eq!(c.log_filter, "info");
        assert!(!c.log_json);
        assert_eq!(c.session_idle, Duration::from_secs(7 * 24 * 3600));
        assert_eq!(c.session_absolute, Duration::from_secs(30 * 24 * 3600));
        assert_eq!(c.sign_in_max_failures, 10);
        assert_eq!(c.auth_window, Duration::from_secs(900));
        assert!(!c.https());
        assert!(c.trusted_proxies.is_empty());
        assert_eq!(c.request_timeout, Duration::from_secs(30));
        assert_eq!(c.statement_timeout, Duration::from_secs(10));
        assert_eq!(c.max_tasks_per_user, 200_000);
        assert_eq!(c.max_tags_per_user, 500);
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        assert_eq!(c.password_threads, (cores - 1).max(1));
        assert_eq!(c.password_queue, 16);
        assert_eq!(c.shutdown_drain, Duration::from_secs(5));
        assert_eq!(c.shutdown_timeout, Duration::from_secs(30));
        assert_eq!(c.metrics_addr, None);
    }

    #[test]
    fn the_metrics_address_is_read_and_a_bad_one_is_refused_by_name() {
        let c = config(&[("METRICS_ADDR", "127.0.0.1:9100")]).unwrap();
        assert_eq!(c.metrics_addr, Some("127.0.0.1:9100".parse().unwrap()));
        assert_eq!(config(&[("METRICS_ADDR", " ")]).unwrap().metrics_addr, None);
        let err = config(&[("METRICS_ADDR", "localhost")]).unwrap_err();
        assert!(err.to_string().contains("METRICS_ADDR"), "{err}");
        let err = config(&[("SHUTDOWN_DRAIN_SECS", "301")]).unwrap_err();
        assert!(err.to_string().contains("SHUTDOWN_DRAIN_SECS"), "{err}");
    }

    #[test]
    fn an_https_site_url_means_secure_cookies() {
        let c = config(&[("SITE_URL", "https://tasks.example.com/")]).unwrap();
        assert_eq!(c.site_url.as_deref(), Some("https://tasks.example.com"));
        assert!(c.https());
        assert!(config(&[("SITE_URL", "tasks.example.com")]).is_err());
    }

    #[test]
    fn an_empty_database_url_means_the_default() {
        let c = config(&[("DATABASE_URL", "  ")]).unwrap();
        assert!(c.database_url.expose().contains(".data/run"));
    }

    #[test]
    fn settings_are_read_from_the_environment() {
        let c = config(&[
            (
                "DATABASE_URL",
                "postgres://u:p@db.example/app?sslmode=require",
            ),
            ("DATABASE_MAX_CONNECTIONS", "7"),
            ("DATABASE_ACQUIRE_TIMEOUT_SECS", "2"),
            ("RUST_LOG", "debug"),
            ("LOG_FORMAT", "JSON"),
        ])
        .unwrap();
        assert_eq!(c.db_max_connections, 7);
        assert_eq!(c.db_acquire_timeout, Duration::from_secs(2));
        assert_eq!(c.log_filter, "debug");
        assert!(c.log_json);
    }

    #[test]
    fn bad_numbers_are_refused_with_the_variable_name() {
        for (value, fragment) in [
            ("many", "whole number"),
            ("0", "between"),
            ("5000", "between"),
        ] {
            let err = config(&[("DATABASE_MAX_CONNECTIONS", value)]).unwrap_err();
            let text = err.to_string();
            assert!(text.contains("DATABASE_MAX_CONNECTIONS"), "{text}");
            assert!(text.contains(fragment), "{text}");
        }
    }

    #[test]
    fn trusted_proxies_that_do_not_parse_are_refused_by_name() {
        let err = config(&[("TRUSTED_PROXIES", "10.0.0.0/8, lb.internal")]).unwrap_err();
        assert!(err.to_string().contains("TRUSTED_PROXIES"), "{err}");
        let c = config(&[("TRUSTED_PROXIES", "10.0.0.0/8, fd00::/8")]).unwrap();
        assert!(!c.trusted_proxies.is_empty());
    }

    #[test]
    fn a_database_url_that_is_not_postgres_is_refused() {
        let err = config(&[("DATABASE_URL", "mysql://x")]).unwrap_err();
        assert!(err.to_string().contains("DATABASE_URL"));
    }

    #[test]
    fn the_direct_url_is_its_own_setting_checked_and_redacted_like_the_database_url() {
        assert!(config(&[]).unwrap().database_direct_url.is_none());
        assert!(config(&[("DATABASE_DIRECT_URL", "  ")])
            .unwrap()
            .database_direct_url
            .is_none());
        let err = config(&[("DATABASE_DIRECT_URL", "mysql://x")]).unwrap_err();
        assert!(err.to_string().contains("DATABASE_DIRECT_URL"), "{err}");
        let c = config(&[(
            "DATABASE_DIRECT_URL",
            "postgres://app:s3cr3t@direct.example/app",
        )])
        .unwrap();
        assert_eq!(
            c.database_direct_url.as_ref().map(|u| u.expose()),
            Some("postgres://app:s3cr3t@direct.example/app")
        );
        let printed = format!("{c:?}");
        assert!(!printed.contains("s3cr3t"), "{printed}");
    }

    #[test]
    fn the_former_name_of_the_direct_url_is_still_read_and_the_new_name_wins() {
        let old = "postgres://app@listen.example/app";
        let new = "postgres://app@direct.example/app";
        let c = config(&[("DATABASE_LISTEN_URL", old)]).unwrap();
        assert_eq!(
            c.database_direct_url.as_ref().map(|u| u.expose()),
            Some(old)
        );
        let c = config(&[("DATABASE_LISTEN_URL", old), ("DATABASE_DIRECT_URL", new)]).unwrap();
        assert_eq!(
            c.database_direct_url.as_ref().map(|u| u.expose()),
            Some(new)
        );
        let err = config(&[("DATABASE_LISTEN_URL", "mysql://x")]).unwrap_err();
        assert!(err.to_string().contains("DATABASE_LISTEN_URL"), "{err}");
    }

    #[test]
    fn passwords_never_appear_in_debug_output() {
        let c = config(&[(
            "DATABASE_URL",
            "postgres://app:s3cr3t@db.example:5432/app?sslmode=require",
        )])
        .unwrap();
        let printed = format!("{c:?}");
        assert!(!printed.contains("s3cr3t"), "{printed}");
        assert!(printed.contains("postgres://app:[redacted]@db.example:5432/app?sslmode=require"));
    }

    #[test]
    fn redaction_covers_query_passwords_and_leaves_plain_urls_alone() {
        assert_eq!(
            redact_password("postgres://db/app?user=a&password=s3cr3t&sslmode=require"),
            "postgres://db/app?user=a&password=[redacted]&sslmode=require"
        );
        assert_eq!(
            redact_password("postgres://tasklist@localhost/tasklist"),
            "postgres://tasklist@localhost/tasklist"
        );
        assert_eq!(
            redact_password("postgres://a:p@ss@host/db"),
            "postgres://a:[redacted]@host/db"
        );
    }
}
