//! The harness: `TestApp::spawn()` creates and migrates a fresh database, starts the real
//! app on a free port against it (through a proxy the test can cut), and gives a client that
//! keeps cookies. The database is dropped when the `TestApp` goes away.

use std::{path::Path, str::FromStr, sync::Arc, sync::Once};

use leptos::config::LeptosOptions;
use reqwest::{cookie::Jar, header, header::HeaderMap, redirect, Client, Response, StatusCode};
use sqlx::{
    postgres::{PgConnectOptions, PgPoolOptions},
    types::chrono::Utc,
    Connection, Executor, PgConnection, PgPool,
};
use tasklist::{
    auth::User,
    config::{local_database_url, Config},
    error::AppError,
    startup::Application,
    tags::{Tag, TagPage},
    tasks::{Task, TaskPage},
};
use tokio::{sync::oneshot, task::JoinHandle};
use uuid::Uuid;

use crate::db_proxy::{DbProxy, Upstream};

pub struct TestApp {
    pub address: String,
    /// A pool straight to the test's database (not through the proxy), for assertions.
    pub pool: PgPool,
    /// Keeps cookies (in `jar`), never follows redirects (tests look at them).
    pub client: Client,
    pub jar: Arc<Jar>,
    pub db: DbProxy,
    /// The app's configuration, so that more instances can be started on the same database.
    pub config: Config,
    /// The password last signed up or in with on `client` (`token` confirms with it).
    own_password: std::sync::Mutex<Option<String>>,
    db_name: String,
    admin: PgConnectOptions,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<std::io::Result<()>>>,
    /// `http://…/metrics` when the app was started with `METRICS_ADDR`.
    pub metrics_url: Option<String>,
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

    /// For a test that takes the database away: a request waits only two seconds for a
    /// connection before it is answered 503 (the default, ten, leaves room for a loaded
    /// machine, where creating and migrating the other tests' databases can hold a connection
    /// up for seconds).
    pub async fn spawn_for_an_outage() -> Self {
        Self::spawn_with(|name| (name == "DATABASE_ACQUIRE_TIMEOUT_SECS").then(|| "2".into())).await
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
                    "DATABASE_ACQUIRE_TIMEOUT_SECS" => Some("10".into()),
                    // No balancer to wait for: a stop stops at once.
                    "SHUTDOWN_DRAIN_SECS" => Some("0".into()),
                    // Room for the tests that send 30 sign-ins at once to see the throttle,
                    // not the queue (`abuse.rs` tests the queue).
                    "PASSWORD_HASH_QUEUE" => Some("64".into()),
                    _ => None,
                })
            },
            leptos,
            Path::new(env!("CARGO_MANIFEST_DIR")),
        )
        .expect("test configuration is valid");

        let (address, shutdown, server, metrics_url) = start_server(config.clone()).await;

        let pool = PgPoolOptions::new()
            .max_connections(3)
            .connect_with(admin.clone().database(&db_name))
            .await
            .expect("connect to the test database");

        let (client, jar) = new_client();
        Self {
            address,
            pool,
            client,
            jar,
            db,
            config,
            own_password: std::sync::Mutex::new(None),
            db_name,
            admin,
            shutdown: Some(shutdown),
            server: Some(server),
            metrics_url,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// A page load as a browser makes it.
    pub async fn get(&self, path: &str) -> Response {
        self.client
            .get(self.url(path))
            .header(header::ACCEPT, "text/html,application/xhtml+xml")
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

    /// Starts a second server instance of the app against this test's database (as a
    /// deployment with several instances behind a load balancer would run). It stops when
    /// the `Instance` is dropped; the database stays with the `TestApp`.
    pub async fn start_instance(&self) -> Instance {
        let (address, shutdown, server, _) = start_server(self.config.clone()).await;
        Instance {
            address,
            shutdown: Some(shutdown),
            server: Some(server),
        }
    }

    /// Stops this server (letting requests in flight finish) and starts a new one on the same
    /// database, as a deployment or a crash and restart would. The new one listens on another
    /// port: `address` is updated.
    pub async fn restart(&mut self) {
        self.stop().await;
        self.start().await;
    }

    /// Stops this server, letting requests in flight finish; its pool is closed.
    pub async fn stop(&mut self) {
        let server = self.begin_shutdown();
        server
            .await
            .expect("the serve loop ends")
            .expect("the server stops cleanly");
    }

    /// Starts the server again after `stop` (on another port: `address` is updated).
    pub async fn start(&mut self) {
        let (address, shutdown, server, metrics_url) = start_server(self.config.clone()).await;
        self.address = address;
        self.metrics_url = metrics_url;
        self.shutdown = Some(shutdown);
        self.server = Some(server);
    }

    /// The name of this test's database.
    pub fn database_name(&self) -> &str {
        &self.db_name
    }

    /// Options to reach the cluster's `postgres` database (for looking at this test's
    /// database from outside it).
    pub fn admin_options(&self) -> PgConnectOptions {
        self.admin.clone().database("postgres")
    }

    /// True when the session store has a row for this session id (the cookie's value).
    pub async fn session_row_exists(&self, id: &str) -> bool {
        sqlx::query_scalar::<_, bool>("select exists (select 1 from sessions where id = $1)")
            .bind(id)
            .fetch_one(&self.pool)
            .await
            .expect("query the session store")
    }

    /// Who the session `id` belongs to, asked by a browser that has nothing but that cookie
    /// (sent by hand, whatever its expiry or a jar would say).
    pub async fn current_user_for_cookie(&self, id: &str) -> Option<User> {
        let answer =
            call_with_cookie(&self.address, &format!("session={id}"), "current_user", &[]).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        answer.json()
    }
}

/// Builds and starts the app with `config` on a free port: its address, the sender that
/// stops it, the handle of its serve loop and its metrics URL (with `METRICS_ADDR`).
async fn start_server(
    config: Config,
) -> (
    String,
    oneshot::Sender<()>,
    JoinHandle<std::io::Result<()>>,
    Option<String>,
) {
    let app = Application::build(config).await.expect("the app starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let metrics_url = app
        .metrics_addr()
        .map(|addr| format!("http://{addr}/metrics"));
    let (shutdown, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));
    (address, shutdown, server, metrics_url)
}

/// Another server instance on a `TestApp`'s database (`TestApp::start_instance`).
pub struct Instance {
    pub address: String,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<std::io::Result<()>>>,
}

impl Instance {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server.abort();
        }
    }
}

/// A browser of its own: a cookie jar, no redirects followed.
pub fn new_client() -> (Client, Arc<Jar>) {
    let jar = Arc::new(Jar::default());
    let client = Client::builder()
        .cookie_provider(jar.clone())
        .redirect(redirect::Policy::none())
        .build()
        .expect("client");
    (client, jar)
}

/// Calls a server function of the server at `base` (any instance) as the hydrated app does,
/// from a browser that has no cookie jar, with `cookie` (`name=value`) sent by hand.
pub async fn call_with_cookie(
    base: &str,
    cookie: &str,
    name: &str,
    form: &[(&str, &str)],
) -> FnAnswer {
    let res = Client::builder()
        .redirect(redirect::Policy::none())
        .build()
        .expect("client")
        .post(format!("{base}/api/{name}"))
        .header(header::ACCEPT, "application/json")
        .header("sec-fetch-site", "same-origin")
        .header(header::ORIGIN, base)
        .header(header::COOKIE, cookie)
        .form(form)
        .send()
        .await
        .expect("request sent");
    FnAnswer::from_response(res).await
}

/// A strong password that zxcvbn accepts, unique per call.
pub fn strong_password() -> String {
    format!(
        "{} orbit cello",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    )
}

pub fn unique_email() -> String {
    format!(
        "user-{}@example.com",
        &uuid::Uuid::new_v4().simple().to_string()[..10]
    )
}

/// The answer of a server function: its status and, on error, the decoded `AppError`.
pub struct FnAnswer {
    pub status: StatusCode,
    pub location: Option<String>,
    pub headers: HeaderMap,
    pub body: String,
}

impl FnAnswer {
    pub async fn from_response(res: Response) -> Self {
        let status = res.status();
        let headers = res.headers().clone();
        let location = headers
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_owned());
        Self {
            status,
            location,
            headers,
            body: res.text().await.unwrap(),
        }
    }

    /// The `Set-Cookie` header that sets (or clears) the cookie `name`, if any.
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        let prefix = format!("{name}=");
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(&prefix))
            .map(str::to_owned)
    }

    pub fn error(&self) -> AppError {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|_| panic!("expected an AppError, got {} {}", self.status, self.body))
    }

    pub fn json<T: serde::de::DeserializeOwned>(&self) -> T {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {} {}", self.status, self.body))
    }
}

// Small checks and helpers shared by several test modules.

/// Asserts a 200, showing the body if not.
pub fn assert_ok(answer: &FnAnswer) {
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
}

/// The answer to every failed sign-in, whatever the reason.
pub const NOT_RIGHT: &str = "The email or password is not right.";

/// Asserts the one answer every failed sign-in gets.
pub fn assert_not_right(answer: &FnAnswer) {
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        answer.body
    );
    assert_eq!(answer.error(), AppError::validation("form", NOT_RIGHT));
}

/// How many accounts have `email`, in any case.
pub async fn user_count(pool: &PgPool, email: &str) -> i64 {
    sqlx::query_scalar("select count(*) from users where lower(email) = lower($1)")
        .bind(email)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// True when the account `id` is still there.
pub async fn user_exists(pool: &PgPool, id: Uuid) -> bool {
    sqlx::query_scalar("select exists (select 1 from users where id = $1)")
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// The titles on a page of tasks, in its order.
pub fn titles(page: &TaskPage) -> Vec<&str> {
    page.tasks.iter().map(|t| t.title.as_str()).collect()
}

/// Today plus `offset` days, as a form sends a date.
pub fn day(offset: i64) -> String {
    (Utc::now().date_naive() + chrono::Duration::days(offset))
        .format("%Y-%m-%d")
        .to_string()
}

impl TestApp {
    /// Calls a server function as the hydrated app does (form-encoded, JSON back,
    /// same-origin fetch metadata), with `client`'s cookies.
    pub async fn call_as(&self, client: &Client, name: &str, form: &[(&str, &str)]) -> FnAnswer {
        let res = client
            .post(self.url(&format!("/api/{name}")))
            .header(header::ACCEPT, "application/json")
            .header("sec-fetch-site", "same-origin")
            .header(header::ORIGIN, &self.address)
            .form(form)
            .send()
            .await
            .expect("request sent");
        FnAnswer::from_response(res).await
    }

    pub async fn call(&self, name: &str, form: &[(&str, &str)]) -> FnAnswer {
        if matches!(name, "sign_up" | "sign_in") {
            if let Some((_, password)) = form.iter().find(|(k, _)| *k == "password") {
                *self.own_password.lock().unwrap() = Some((*password).to_owned());
            }
        }
        self.call_as(&self.client, name, form).await
    }

    /// Posts a form as a browser with JavaScript off does: wants HTML back, sends a Referer.
    pub async fn post_form(&self, name: &str, form: &[(&str, &str)], page: &str) -> Response {
        self.client
            .post(self.url(&format!("/api/{name}")))
            .header(header::ACCEPT, "text/html,application/xhtml+xml")
            .header(header::REFERER, self.url(page))
            .header("sec-fetch-site", "same-origin")
            .header(header::ORIGIN, &self.address)
            .form(form)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn sign_up_as(&self, client: &Client, email: &str, password: &str) -> FnAnswer {
        self.call_as(
            client,
            "sign_up",
            &[("email", email), ("name", ""), ("password", password)],
        )
        .await
    }

    pub async fn sign_up(&self, email: &str, password: &str) -> FnAnswer {
        *self.own_password.lock().unwrap() = Some(password.to_owned());
        self.sign_up_as(&self.client, email, password).await
    }

    pub async fn sign_in_as(&self, client: &Client, email: &str, password: &str) -> FnAnswer {
        self.call_as(
            client,
            "sign_in",
            &[("email", email), ("password", password)],
        )
        .await
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> FnAnswer {
        *self.own_password.lock().unwrap() = Some(password.to_owned());
        self.sign_in_as(&self.client, email, password).await
    }

    /// Signs a new person up on the app's own client and returns them.
    pub async fn signed_up_user(&self) -> (User, String) {
        let email = unique_email();
        let password = strong_password();
        let answer = self.sign_up(&email, &password).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        (answer.json(), password)
    }

    pub async fn current_user_as(&self, client: &Client) -> Option<User> {
        let answer = self.call_as(client, "current_user", &[]).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        answer.json()
    }

    pub async fn current_user(&self) -> Option<User> {
        self.current_user_as(&self.client).await
    }

    /// The session cookie's value in `jar`, if any.
    pub fn session_cookie(&self, jar: &Jar) -> Option<String> {
        use reqwest::cookie::CookieStore;
        let cookies = jar.cookies(&self.address.parse().unwrap())?;
        cookies
            .to_str()
            .ok()?
            .split("; ")
            .find_map(|c| c.strip_prefix("session=").map(str::to_owned))
    }

    /// Adds a task with `form` (`title`, and any of `description`, `priority`, `due_date`,
    /// `tags`) as `client`, as the hydrated app does; the answer as it comes.
    pub async fn add_task_as(&self, client: &Client, form: &[(&str, &str)]) -> FnAnswer {
        self.call_as(client, "add_task", form).await
    }

    /// `add_task_as` with the app's own client.
    pub async fn add_task(&self, form: &[(&str, &str)]) -> FnAnswer {
        self.add_task_as(&self.client, form).await
    }

    /// Adds a task with `form` on the app's own client, asserts that it was added and
    /// returns it.
    pub async fn added_task(&self, form: &[(&str, &str)]) -> Task {
        let answer = self.add_task(form).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        answer.json()
    }

    /// `GET /api/list_tasks` with `query` (such as `filter=active&after=...`, without the
    /// `?`; empty for none) as `client`, as the hydrated app asks; the response as it comes.
    pub async fn list_tasks_as(&self, client: &Client, query: &str) -> Response {
        let url = if query.is_empty() {
            self.url("/api/list_tasks")
        } else {
            self.url(&format!("/api/list_tasks?{query}"))
        };
        client
            .get(url)
            .header(header::ACCEPT, "application/json")
            .send()
            .await
            .expect("request sent")
    }

    /// The page of tasks for `query` (as in `list_tasks_as`) on the app's own client,
    /// asserting a 200.
    pub async fn list_tasks(&self, query: &str) -> TaskPage {
        let res = self.list_tasks_as(&self.client, query).await;
        assert_eq!(res.status(), StatusCode::OK, "{query}");
        res.json().await.unwrap()
    }

    /// The tags of `client`'s person, asserting that they fit on one page.
    pub async fn tags_of(&self, client: &Client) -> Vec<Tag> {
        let res = client.get(self.url("/api/list_tags")).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let page: TagPage = res.json().await.unwrap();
        assert_eq!(page.next_cursor, None, "one page");
        page.tags
    }
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

/// A client with no cookie store: what a program calling the JSON API is.
pub fn api_client() -> Client {
    static CLIENT: std::sync::OnceLock<Client> = std::sync::OnceLock::new();
    CLIENT
        .get_or_init(|| {
            Client::builder()
                .redirect(redirect::Policy::none())
                .build()
                .expect("client builds")
        })
        .clone()
}

impl TestApp {
    /// Creates an API token of `scope` (`read` or `write`) for the person signed in on
    /// `client` with `password`, as the account page does; its secret.
    pub async fn token_as(&self, client: &Client, password: &str, scope: &str) -> String {
        let answer = self
            .call_as(
                client,
                "create_token",
                &[
                    ("name", "test"),
                    ("scope", scope),
                    ("expires", "30"),
                    ("current_password", password),
                ],
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        answer.json::<serde_json::Value>()["secret"]
            .as_str()
            .expect("the new token's secret")
            .to_owned()
    }

    /// A token of `scope` for a new person of their own (signed up on a client of theirs).
    pub async fn another_persons_token(&self, scope: &str) -> String {
        let (client, _) = new_client();
        let password = strong_password();
        assert_ok(&self.sign_up_as(&client, &unique_email(), &password).await);
        self.token_as(&client, &password, scope).await
    }

    /// `token_as` the app's own client.
    pub async fn token(&self, scope: &str) -> String {
        let password = self
            .own_password
            .lock()
            .unwrap()
            .clone()
            .expect("a person signed up or in on the app's client");
        self.token_as(&self.client, &password, scope).await
    }

    /// A request to the JSON API with `token` as its bearer token and no cookies.
    pub fn api(&self, method: reqwest::Method, path: &str, token: &str) -> reqwest::RequestBuilder {
        api_client()
            .request(method, self.url(path))
            .bearer_auth(token)
    }
}

/// An API answer: its status, headers and body as JSON (`Null` when empty or not JSON).
pub struct ApiAnswer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub json: serde_json::Value,
    pub body: String,
}

impl ApiAnswer {
    pub async fn of(req: reqwest::RequestBuilder) -> Self {
        let res = req.send().await.expect("request sent");
        let status = res.status();
        let headers = res.headers().clone();
        let body = res.text().await.expect("a body");
        let json = serde_json::from_str(&body).unwrap_or(serde_json::Value::Null);
        Self {
            status,
            headers,
            json,
            body,
        }
    }

    /// Asserts an `application/problem+json` answer of `status` that says nothing internal.
    pub fn assert_problem(&self, status: StatusCode) {
        assert_eq!(self.status, status, "{}", self.body);
        assert_eq!(
            self.headers[header::CONTENT_TYPE],
            "application/problem+json",
            "{}",
            self.body
        );
        assert_eq!(self.json["status"], status.as_u16(), "{}", self.body);
        assert!(self.json["title"].is_string() && self.json["detail"].is_string());
        let lower = self.body.to_lowercase();
        for leak in [
            "sql",
            "relation",
            "panic",
            "stack",
            "constraint",
            "postgres",
        ] {
            assert!(!lower.contains(leak), "{leak} in {}", self.body);
        }
    }

    /// The fields of a validation problem's `errors`, in order.
    pub fn fields(&self) -> Vec<String> {
        self.json["errors"]
            .as_array()
            .map(|e| {
                e.iter()
                    .map(|f| f["field"].as_str().unwrap_or_default().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }
}
