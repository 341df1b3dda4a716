//! Builds the server: database pool and migrations, the router with its middleware, and a
//! serve loop that finishes in-flight requests on SIGINT/SIGTERM.

use std::{future::Future, net::SocketAddr, str::FromStr, time::Duration};

use axum::{extract::FromRef, middleware, routing::get, Router};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use sqlx::{
    postgres::{PgConnectOptions, PgPoolOptions},
    PgPool,
};
use tokio::{net::TcpListener, task::JoinHandle};
use tower_http::{
    compression::CompressionLayer,
    limit::RequestBodyLimitLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer},
    trace::{DefaultOnResponse, TraceLayer},
};
use tower_sessions::ExpiredDeletion;
use tower_sessions_sqlx_store::PostgresStore;
use tracing::Level;

use crate::{
    app::{shell, App},
    auth::{password::Passwords, session, session::SessionSettings, throttle},
    config::Config,
    health,
    security::{self, SiteSecurity},
};

/// Largest request body accepted; a task with the longest description is a few KiB.
pub const BODY_LIMIT_BYTES: usize = 256 * 1024;

/// Shared by every handler and, through Leptos context, every server function.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub pool: PgPool,
    pub passwords: Passwords,
    pub sessions: SessionSettings,
    pub limits: throttle::Limits,
    pub site: SiteSecurity,
}

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
    pool: PgPool,
    cleanup: JoinHandle<()>,
}

impl Application {
    /// Connects, migrates and binds. Port 0 in the site address picks a free port.
    pub async fn build(config: Config) -> Result<Self, StartupError> {
        let pool = connect(&config).await.map_err(StartupError::Database)?;
        sqlx::migrate!().run(&pool).await?;
        let store = PostgresStore::new(pool.clone());
        store.migrate().await.map_err(StartupError::Database)?;

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
            store.clone(),
            pool.clone(),
            limits.window,
            config.cleanup_interval,
        ));
        let state = AppState {
            leptos_options,
            pool: pool.clone(),
            passwords: Passwords::default(),
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
            router: router(state, store),
            pool,
            cleanup,
        })
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

    /// Serves until `shutdown` completes, then lets in-flight requests finish.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let served = axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await;
        self.cleanup.abort();
        self.pool.close().await;
        served
    }
}

/// One pool for the process: bounded, each idle connection checked before use, and a
/// bounded wait for a free connection that ends in a clear error rather than a hang.
pub async fn connect(config: &Config) -> Result<PgPool, sqlx::Error> {
    // Plan each execution with its real parameters: the list queries take their filters as
    // parameters that may be null, and a generic plan could not leave the unused ones out.
    let options = PgConnectOptions::from_str(config.database_url.expose())?
        .options([("plan_cache_mode", "force_custom_plan")]);
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
    let mut tick = tokio::time::interval(period);
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

pub fn router(state: AppState, store: PostgresStore) -> Router {
    let routes = generate_route_list(App);
    let leptos_options = state.leptos_options.clone();
    let site = state.site.clone();
    let sessions = session::layer(store, &state.sessions);

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
            )
        })
        .on_response(DefaultOnResponse::new().level(Level::INFO));

    // Each `.layer` wraps the ones before it: the last is the outermost.
    Router::new()
        .route("/healthz", get(health::healthz))
        .leptos_routes_with_context(&state, routes, provide_csp_nonce, move || {
            shell(leptos_options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(provide_csp_nonce, shell))
        .layer(middleware::from_fn(crate::error::server_fn_error_status))
        .layer(sessions)
        .layer(middleware::from_fn_with_state(
            site.clone(),
            security::refuse_cross_site,
        ))
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT_BYTES))
        .layer(CompressionLayer::new())
        .layer(middleware::from_fn_with_state(
            site,
            security::security_headers,
        ))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(trace)
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
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
    tracing::info!("shutting down: finishing in-flight requests");
}
