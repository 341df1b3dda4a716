//! The harness: `TestApp::spawn()` creates and migrates a fresh database, starts the real
//! app on a free port against it (through a proxy the test can cut), and gives a client that
//! keeps cookies. The database is dropped when the `TestApp` goes away.

use std::{path::Path, str::FromStr, sync::Once};

use leptos::config::LeptosOptions;
use reqwest::{redirect, Client, Response};
use sqlx::{
    postgres::{PgConnectOptions, PgPoolOptions},
    Connection, Executor, PgConnection, PgPool,
};
use tasklist::{
    config::{local_database_url, Config},
    startup::Application,
};
use tokio::{sync::oneshot, task::JoinHandle};

use crate::db_proxy::{DbProxy, Upstream};

pub struct TestApp {
    pub address: String,
    /// A pool straight to the test's database (not through the proxy), for assertions.
    pub pool: PgPool,
    /// Keeps cookies, never follows redirects (tests look at them).
    pub client: Client,
    pub db: DbProxy,
    db_name: String,
    admin: PgConnectOptions,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<std::io::Result<()>>>,
}

static TRACING: Once = Once::new();

/// The cluster the tests use: `DATABASE_URL`, else the project-local one.
fn admin_options() -> PgConnectOptions {
    let url = std::env::var("DATABASE_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| local_database_url(Path::new(env!("CARGO_MANIFEST_DIR"))));
    PgConnectOptions::from_str(&url).expect("DATABASE_URL parses")
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| None).await
    }

    /// Starts the app with extra settings: `settings(name)` answers before the defaults.
    pub async fn spawn_with(settings: impl Fn(&str) -> Option<String>) -> Self {
        TRACING.call_once(|| {
            if std::env::var("TEST_LOG").is_ok() {
                tasklist::telemetry::init("info,tasklist=debug", false);
            }
        });

        // A fresh database, migrated by the app itself at start-up.
        let admin = admin_options();
        let db_name = format!("test_{}", uuid::Uuid::new_v4().simple());
        let mut conn = PgConnection::connect_with(&admin.clone().database("postgres"))
            .await
            .expect("the test cluster is reachable (scripts/db.sh start)");
        conn.execute(format!(r#"create database "{db_name}""#).as_str())
            .await
            .expect("create test database");
        conn.close().await.ok();

        let upstream = match admin.get_socket() {
            Some(dir) => Upstream::Unix(dir.join(format!(".s.PGSQL.{}", admin.get_port()))),
            None => Upstream::Tcp(format!("{}:{}", admin.get_host(), admin.get_port())),
        };
        let db = DbProxy::start(upstream).await;
        let app_url = format!(
            "postgres://{}@127.0.0.1:{}/{}?sslmode=disable",
            admin.get_username(),
            db.port,
            db_name
        );

        let leptos = LeptosOptions::builder()
            .output_name("tasklist")
            .site_root("target/site")
            .site_addr(std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
            .build();
        let config = Config::from_lookup(
            |name| {
                settings(name).or_else(|| match name {
                    "DATABASE_URL" => Some(app_url.clone()),
                    "DATABASE_MAX_CONNECTIONS" => Some("5".into()),
                    "DATABASE_ACQUIRE_TIMEOUT_SECS" => Some("2".into()),
                    _ => None,
                })
            },
            leptos,
            Path::new(env!("CARGO_MANIFEST_DIR")),
        )
        .expect("test configuration is valid");

        let app = Application::build(config).await.expect("the app starts");
        let address = format!("http://127.0.0.1:{}", app.port());
        let (shutdown, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(app.run_until(async {
            let _ = stopped.await;
        }));

        let pool = PgPoolOptions::new()
            .max_connections(3)
            .connect_with(admin.clone().database(&db_name))
            .await
            .expect("connect to the test database");

        Self {
            address,
            pool,
            client: new_client(),
            db,
            db_name,
            admin,
            shutdown: Some(shutdown),
            server: Some(server),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request sent")
    }

    /// Asks the server to stop and returns the handle of its serve loop.
    pub fn begin_shutdown(&mut self) -> JoinHandle<std::io::Result<()>> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        self.server.take().expect("server still running")
    }
}

pub fn new_client() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(redirect::Policy::none())
        .build()
        .expect("client")
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server.abort();
        }
        // Drop the database on a thread of its own: Drop cannot await. `with (force)` ends
        // the connections still open to it (the app's and `pool`'s).
        let admin = self.admin.clone();
        let db_name = self.db_name.clone();
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                if let Ok(mut conn) = PgConnection::connect_with(&admin.database("postgres")).await
                {
                    let _ = conn
                        .execute(
                            format!(r#"drop database if exists "{db_name}" with (force)"#).as_str(),
                        )
                        .await;
                }
            });
        })
        .join();
    }
}
