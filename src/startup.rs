//! Builds the server: database pool and migrations, the router with its middleware, the
//! metrics address, and a serve loop that on SIGINT/SIGTERM drains (health 503, still
//! serving), then finishes in-flight requests within a bounded time.

use std::{future::Future, net::SocketAddr, str::FromStr, sync::Arc, time::Duration};

use axum::{
    extract::{DefaultBodyLimit, Request, State},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use sqlx::{
    postgres::{PgConnectOptions, PgPoolOptions},
    Connection, PgConnection, PgPool,
};
use tokio::{net::TcpListener, task::JoinHandle};
use tower_http::{
    catch_panic::CatchPanicLayer,
    compression::CompressionLayer,
    limit::RequestBodyLimitLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer},
    trace::{DefaultOnResponse, TraceLayer},
};
use tower_sessions::ExpiredDeletion;
use tower_sessions_sqlx_store::PostgresStore;
use tracing::{Instrument, Level};

use crate::{
    admission::{self, BodyReads, Gate},
    api_v1,
    app::{shell, App},
    auth::{password::Passwords, session, throttle},
    config::{Config, Quotas},
    error::AppError,
    health::{self, Draining},
    live::{self, hub::Hub},
    monitoring,
    portability::{self, import::IMPORT_MAX_BYTES},
    security::{self, SiteSecurity},
    serve::{self, ConnectionLimits},
    state::{AppState, SessionSettings},
    tokens::limits::{ApiLimits, BadTokenLimits},
};

/// Largest request body accepted; a task with the longest description is a few KiB.
pub const BODY_LIMIT_BYTES: usize = 256 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("could not reach the database ({0}); is it running? `scripts/db.sh start` starts the project-local one")]
    Database(#[source] sqlx::Error),
    #[error("could not apply database migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("could not listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
}

pub struct Application {
    listener: TcpListener,
    router: Router,
    connections: ConnectionLimits,
    pool: PgPool,
    cleanup: JoinHandle<()>,
    live: Arc<Hub>,
    listener_task: JoinHandle<()>,
    draining: Draining,
    drain: Duration,
    shutdown_timeout: Duration,
    metrics: Option<(SocketAddr, JoinHandle<()>)>,
}

impl Application {
    /// Connects, migrates and binds. Port 0 in the site address (or the metrics address)
    /// picks a free port.
    pub async fn build(config: Config) -> Result<Self, StartupError> {
        let pool = connect(&config).await.map_err(StartupError::Database)?;
        migrate(&config, &pool).await?;
        let store = session::Store::new(pool.clone());

        let addr = config.leptos.site_addr;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| StartupError::Bind { addr, source })?;
        let mut leptos_options = config.leptos.clone();
        leptos_options.site_addr = listener
            .local_addr()
            .expect("a bound listener has an address");

        let limits = throttle::Limits {
            max_failures: config.sign_in_max_failures,
            address_limit: config.auth_address_limit,
            window: config.auth_window,
        };
        let cleanup = tokio::spawn(clean_up_periodically(
            store.postgres().clone(),
            pool.clone(),
            limits.window,
            config.cleanup_interval,
        ));
        let live = Hub::new(live::hub::StreamLimits {
            per_user: config.live_max_streams_per_user,
            per_address: config.admission.live_streams_per_address,
            total: config.live_max_streams,
        });
        let listen_url = config
            .database_direct_url
            .as_ref()
            .unwrap_or(&config.database_url)
            .expose()
            .to_owned();
        let listener_task = tokio::spawn(live::listener::run(listen_url, live.clone()));
        let draining = Draining::default();
        let passwords = Passwords::new(config.password_threads, config.password_queue);
        let metrics = match config.metrics_addr {
            Some(addr) => {
                let gauges = monitoring::endpoint::Gauges {
                    pool: pool.clone(),
                    live: live.clone(),
                    passwords: passwords.clone(),
                    handle: monitoring::recorder(),
                };
                Some(
                    monitoring::endpoint::serve(addr, gauges)
                        .await
                        .map_err(|source| StartupError::Bind { addr, source })?,
                )
            }
            None => None,
        };
        let state = AppState {
            imports: Gate::new(config.admission.imports, 1),
            exports: Gate::new(config.admission.exports, 1),
            draining: draining.clone(),
            api_limits: ApiLimits::new(config.api_rate_limit),
            bad_tokens: BadTokenLimits::new(config.admission.bad_tokens_per_minute),
            live: live.clone(),
            leptos_options,
            pool: pool.clone(),
            passwords,
            trusted_proxies: config.trusted_proxies.clone(),
            quotas: Quotas {
                tasks: config.max_tasks_per_user,
                tags: config.max_tags_per_user,
            },
            sessions: SessionSettings {
                idle: config.session_idle,
                absolute: config.session_absolute,
                secure: config.https(),
            },
            limits,
            site: SiteSecurity {
                origin: config.site_url.clone(),
                https: config.https(),
                dev_reload: (config.leptos.env == leptos::config::Env::DEV).then(|| {
                    format!(
                        "ws://{}:{}",
                        config.leptos.site_addr.ip(),
                        config.leptos.reload_port
                    )
                }),
            },
        };
        Ok(Self {
            listener,
            connections: ConnectionLimits {
                header_timeout: config.admission.header_timeout,
                write_timeout: config.admission.write_timeout,
                max_connections: config.admission.max_connections,
            },
            router: router(
                state,
                store,
                config.request_timeout,
                BodyReads::new(config.admission.body_reads, config.trusted_proxies.clone()),
            ),
            pool,
            cleanup,
            live,
            listener_task,
            draining,
            drain: config.shutdown_drain,
            shutdown_timeout: config.shutdown_timeout,
            metrics,
        })
    }

    /// Where `/metrics` is served, when `METRICS_ADDR` is set.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics.as_ref().map(|(addr, _)| *addr)
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    pub fn port(&self) -> u16 {
        self.local_addr().port()
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Serves until SIGINT or SIGTERM, then lets in-flight requests finish.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(shutdown_signal()).await
    }

    /// Serves until `shutdown` completes; then drains: `/healthz` answers 503 while every
    /// request is still served for `SHUTDOWN_DRAIN_SECS`, so the load balancer stops sending
    /// any. Then it stops accepting, ends the live streams (the pages connect again, to
    /// another instance) and gives the requests in flight `SHUTDOWN_TIMEOUT_SECS` to finish;
    /// whatever is still running then is dropped (its transaction rolls back).
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let live = self.live.clone();
        let draining = self.draining.clone();
        let drain = self.drain;
        let (stopping_tx, stopping) = tokio::sync::oneshot::channel::<()>();
        let serve = serve::serve(self.listener, self.router, self.connections, async move {
            shutdown.await;
            draining.start();
            tracing::info!(drain_secs = drain.as_secs(), "draining: health answers 503");
            tokio::time::sleep(drain).await;
            tracing::info!("shutting down: finishing in-flight requests");
            live.close();
            let _ = stopping_tx.send(());
        });
        tokio::pin!(serve);
        let served = tokio::select! {
            () = &mut serve => Some(()),
            Ok(()) = stopping => tokio::time::timeout(self.shutdown_timeout, &mut serve).await.ok(),
        };
        self.listener_task.abort();
        self.cleanup.abort();
        if let Some((_, metrics)) = &self.metrics {
            metrics.abort();
        }
        match served {
            Some(()) => {
                self.pool.close().await;
                Ok(())
            }
            None => {
                // The process ends with what is still running; closing the pool would wait
                // for their connections.
                tracing::warn!(
                    timeout_secs = self.shutdown_timeout.as_secs(),
                    "requests still in flight at the shutdown timeout are dropped"
                );
                Ok(())
            }
        }
    }
}

/// Applies the migrations, through `DATABASE_DIRECT_URL` when set (they hold a session
/// advisory lock, which a transaction pooler cannot keep). Migrations this binary does not
/// know are fine: a newer instance applied them during a rolling deploy, and they only ever
/// add (expand/contract, see the README), so this older binary still works with them.
async fn migrate(config: &Config, pool: &PgPool) -> Result<(), StartupError> {
    let mut migrator = sqlx::migrate!();
    migrator.set_ignore_missing(true);
    match &config.database_direct_url {
        Some(url) => {
            let mut conn = PgConnection::connect(url.expose())
                .await
                .map_err(StartupError::Database)?;
            migrator.run(&mut conn).await?;
            conn.close().await.map_err(StartupError::Database)?;
        }
        None => migrator.run(pool).await?,
    }
    Ok(())
}

/// One pool for the process: bounded, each idle connection checked before use, and a
/// bounded wait for a free connection that ends in a clear error rather than a hang.
pub async fn connect(config: &Config) -> Result<PgPool, sqlx::Error> {
    // PostgreSQL's own choice of plans (`plan_cache_mode = auto`): each statement is prepared
    // once per connection, and planned once for all values when that plan costs no more
    // than planning each execution (the list's statements are written so that it does; see
    // `tasks::db`). A statement running longer than `statement_timeout` is cancelled by
    // PostgreSQL itself (and answered "busy, try again"), so no request can hold a
    // connection for long.
    let statement_timeout = config.statement_timeout.as_millis().to_string();
    let options = PgConnectOptions::from_str(config.database_url.expose())?.options([
        ("plan_cache_mode", "auto"),
        ("statement_timeout", statement_timeout.as_str()),
    ]);
    PgPoolOptions::new()
        .max_connections(config.db_max_connections)
        .min_connections(0)
        .acquire_timeout(config.db_acquire_timeout)
        .test_before_acquire(true)
        .idle_timeout(Duration::from_secs(10 * 60))
        .connect_with(options)
        .await
}

/// Deletes expired sessions and sign-in counters, until aborted at shutdown.
async fn clean_up_periodically(
    store: PostgresStore,
    pool: PgPool,
    window: Duration,
    period: Duration,
) {
    // The first round one period after start-up, not at once: a start does no work of its
    // own beyond its migrations (what the statement-count tests rely on).
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    loop {
        tick.tick().await;
        if let Err(err) = store.delete_expired().await {
            tracing::warn!(error = %err, "could not delete expired sessions");
        }
        if let Err(err) = throttle::delete_expired(&pool, window).await {
            tracing::warn!(error = %err, "could not delete old sign-in counters");
        }
    }
}

pub fn router(
    state: AppState,
    store: session::Store,
    request_timeout: Duration,
    body_reads: BodyReads,
) -> Router {
    let routes = generate_route_list(App);
    let leptos_options = state.leptos_options.clone();
    let site = state.site.clone();
    let sessions = session::layer(store, &state.sessions);

    let (api, import) = api_v1::routers();
    // Imports take files up to `IMPORT_MAX_BYTES`, once they have a place of
    // `AppState::imports` (taken in the handler, after the caller is known and before the
    // file is read); every other route 256 KiB, once it has a place to read it in.
    let imports = Router::new()
        .merge(import)
        .route(
            "/account/import",
            axum::routing::post(portability::routes::import),
        )
        .layer(DefaultBodyLimit::max(IMPORT_MAX_BYTES))
        .layer(RequestBodyLimitLayer::new(IMPORT_MAX_BYTES));

    // Each `.layer` wraps the ones before it: the last is the outermost.
    let app = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/api/events", get(live::stream::events))
        .route("/account/export", get(portability::routes::export))
        .merge(api)
        .leptos_routes_with_context(&state, routes, provide_csp_nonce, move || {
            shell(leptos_options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(provide_csp_nonce, shell))
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT_BYTES))
        .layer(middleware::from_fn_with_state(
            body_reads,
            admission::admit_bodies,
        ))
        .merge(imports)
        .layer(middleware::from_fn(crate::error::server_fn_error_status))
        .layer(sessions)
        .layer(middleware::from_fn_with_state(
            site.clone(),
            security::redirect_on_site,
        ))
        .layer(middleware::from_fn_with_state(
            site.clone(),
            security::refuse_cross_site,
        ))
        .with_state(state);
    with_guards(app, site, request_timeout)
}

/// The layers around every route, innermost first: a time limit, the body limit,
/// compression, security headers, the request's log span, request ids (a client's kept only
/// when well-formed), the guard that turns a panic into the generic 500 (the panic itself is
/// logged, inside the request's span, by `telemetry::log_panics`), and outermost the request
/// metrics, which so count those 500s too.
pub fn with_guards(app: Router, site: SiteSecurity, request_timeout: Duration) -> Router {
    let trace = TraceLayer::new_for_http()
        .make_span_with(|req: &http::Request<_>| {
            let request_id = req
                .extensions()
                .get::<RequestId>()
                .and_then(|id| id.header_value().to_str().ok())
                .unwrap_or_default();
            // Path only: query strings and headers (cookies) stay out of the logs.
            tracing::info_span!(
                "request",
                method = %req.method(),
                path = %req.uri().path(),
                request_id,
                // Filled in by `api_v1::auth` for a request with a valid token.
                token_id = tracing::field::Empty,
            )
        })
        .on_response(DefaultOnResponse::new().level(Level::INFO));

    app.layer(middleware::from_fn_with_state(request_timeout, time_limit))
        .layer(CompressionLayer::new())
        .layer(middleware::from_fn_with_state(
            site,
            security::security_headers,
        ))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(middleware::from_fn(crate::telemetry::keep_request_span))
        .layer(trace)
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(middleware::from_fn(crate::telemetry::drop_odd_request_ids))
        .layer(CatchPanicLayer::custom(answer_panic))
        .layer(middleware::from_fn(monitoring::count_requests))
}

/// A request still unanswered after `limit` is answered "busy, try again" (503 with
/// `Retry-After`); its work is stopped there, which rolls back any transaction it had open.
///
/// A write (anything but GET and HEAD) runs on a task of its own, so that a client going away
/// does not cancel it half-way: a page reloaded right after an optimistic change closes its
/// connection, and the change it had sent must still be made. Only the time limit stops it.
async fn time_limit(State(limit): State<Duration>, req: Request, next: Next) -> Response {
    let timed_out = || {
        metrics::counter!(monitoring::REQUEST_TIMEOUTS).increment(1);
        tracing::warn!(limit_secs = limit.as_secs_f64(), "request timed out");
        AppError::Unavailable.into_response()
    };
    if matches!(*req.method(), http::Method::GET | http::Method::HEAD) {
        return match tokio::time::timeout(limit, next.run(req)).await {
            Ok(res) => res,
            Err(_) => timed_out(),
        };
    }
    let task = tokio::spawn(next.run(req).in_current_span());
    let abort = task.abort_handle();
    match tokio::time::timeout(limit, task).await {
        Ok(Ok(res)) => res,
        // A panic goes on to `CatchPanicLayer`, as it would have without the task.
        Ok(Err(err)) if err.is_panic() => std::panic::resume_unwind(err.into_panic()),
        Ok(Err(_)) => AppError::Unavailable.into_response(),
        Err(_) => {
            abort.abort();
            timed_out()
        }
    }
}

/// The answer to a request whose handler panicked: the generic error, nothing of the panic.
fn answer_panic(_payload: Box<dyn std::any::Any + Send + 'static>) -> Response {
    AppError::Internal.into_response()
}

/// Hands the nonce of this response's CSP header (see `security::security_headers`) to
/// Leptos, which puts it on the inline hydration script.
fn provide_csp_nonce() {
    let nonce = use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<security::CspNonce>().cloned());
    if let Some(security::CspNonce(nonce)) = nonce {
        provide_context(leptos::nonce::Nonce::from_value(nonce));
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %err, "could not listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!(error = %err, "could not listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();

    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("stop requested");
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use tower::ServiceExt;

    fn site() -> SiteSecurity {
        SiteSecurity {
            origin: None,
            https: false,
            dev_reload: None,
        }
    }

    async fn body_text(res: Response) -> String {
        let bytes = axum::body::to_bytes(res.into_body(), 64 * 1024)
            .await
            .unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[tokio::test]
    async fn a_panic_in_a_handler_answers_the_generic_500() {
        crate::telemetry::log_panics();
        let app = with_guards(
            Router::new().route(
                "/boom",
                get(|| async {
                    let secret = "relation tasks does not exist";
                    if !secret.is_empty() {
                        panic!("{secret}");
                    }
                    "unreachable"
                }),
            ),
            site(),
            Duration::from_secs(30),
        );
        let res = app
            .clone()
            .oneshot(http::Request::get("/boom").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(res.status(), http::StatusCode::INTERNAL_SERVER_ERROR);
        let body = body_text(res).await;
        assert_eq!(
            serde_json::from_str::<AppError>(&body).unwrap(),
            AppError::Internal
        );
        assert!(!body.contains("relation"), "{body}");
        // The server goes on serving.
        let res = app
            .oneshot(http::Request::get("/boom").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(res.status(), http::StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[tokio::test]
    async fn a_request_past_its_time_limit_is_told_to_retry() {
        let app = with_guards(
            Router::new().route("/hang", get(std::future::pending::<&'static str>)),
            site(),
            Duration::from_millis(20),
        );
        let res = app
            .oneshot(http::Request::get("/hang").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(res.status(), http::StatusCode::SERVICE_UNAVAILABLE);
        assert!(res.headers().contains_key(http::header::RETRY_AFTER));
        let body = body_text(res).await;
        assert_eq!(
            serde_json::from_str::<AppError>(&body).unwrap(),
            AppError::Unavailable
        );
    }
}
