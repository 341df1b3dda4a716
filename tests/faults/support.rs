//! What the fault tests stand on: a PostgreSQL cluster of the test's own (so it can be
//! restarted or crashed without touching the other tests), the real server binary as a child
//! process (so it can be killed), and people with API tokens to put load on it.

use std::{
    path::{Path, PathBuf},
    process::Stdio,
    sync::Arc,
    time::Duration,
};

use reqwest::{header, redirect, Client, StatusCode};
use serde_json::{json, Value};
use tokio::process::{Child, Command};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Runs `scripts/db.sh ARGS` for the cluster in `data`, database `db`; its stdout.
fn db_sh(data: &Path, db: &str, args: &[&str]) -> Result<String, String> {
    let out = std::process::Command::new("bash")
        .arg(Path::new(ROOT).join("scripts/db.sh"))
        .args(args)
        .env("TASKLIST_DATA_DIR", data)
        .env("TASKLIST_DB_NAME", db)
        .output()
        .expect("bash runs");
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// A PostgreSQL cluster of this test's own (`scripts/db.sh` with its own data folder),
/// stopped and removed when dropped.
pub struct Pg {
    data: PathBuf,
    pub db: String,
}

impl Pg {
    pub fn start(name: &str) -> Self {
        // Short: the Unix socket's path must stay under 108 bytes.
        let data = std::env::temp_dir().join(format!("tlf-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&data);
        let pg = Self {
            data,
            db: "tasklist".into(),
        };
        pg.sh(&["start"]).expect("the test's PostgreSQL starts");
        pg
    }

    /// `scripts/db.sh ARGS` on this cluster's database.
    pub fn sh(&self, args: &[&str]) -> Result<String, String> {
        db_sh(&self.data, &self.db, args)
    }

    /// `scripts/db.sh ARGS` on another database of this cluster.
    pub fn sh_on(&self, db: &str, args: &[&str]) -> Result<String, String> {
        db_sh(&self.data, db, args)
    }

    pub fn url(&self) -> String {
        self.sh(&["url"]).expect("db.sh url")
    }

    /// The user and group the cluster runs as (`scripts/db.sh`: `postgres` when started by
    /// root), read from its data folder.
    pub fn owner(&self) -> (u32, u32) {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::metadata(self.data.join("postgres")).expect("the cluster's folder");
        (meta.uid(), meta.gid())
    }

    pub fn url_of(&self, db: &str) -> String {
        self.sh_on(db, &["url"]).expect("db.sh url")
    }

    pub async fn connect(&self) -> sqlx::PgPool {
        sqlx::postgres::PgPoolOptions::new()
            .max_connections(2)
            .connect(&self.url())
            .await
            .expect("the test connects to its PostgreSQL")
    }
}

/// Where a TLS-speaking cluster listens and the CA that signed its certificate.
pub struct Tls {
    pub port: u16,
    pub ca: PathBuf,
    /// A CA that signed nothing here: verification against it must fail.
    pub other_ca: PathBuf,
}

impl Pg {
    /// Makes this cluster also listen on 127.0.0.1 over TLS only (a certificate for
    /// `localhost` signed by a CA made here; plain TCP is rejected), as a managed PostgreSQL
    /// such as Neon does, and restarts it.
    pub fn enable_tls(&self) -> Tls {
        let tls = self.data.join("tls");
        std::fs::create_dir_all(&tls).unwrap();
        let openssl = |args: &[&str]| {
            let out = std::process::Command::new("openssl")
                .args(args)
                .current_dir(&tls)
                .output()
                .expect("openssl runs (scripts/install-tools.sh --test)");
            assert!(
                out.status.success(),
                "openssl {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        for ca in ["ca", "other-ca"] {
            openssl(&[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-subj",
                &format!("/CN=tasklist test {ca}"),
                "-keyout",
                &format!("{ca}.key"),
                "-out",
                &format!("{ca}.crt"),
            ]);
        }
        openssl(&[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=localhost",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
        ]);
        std::fs::write(
            tls.join("san.ext"),
            "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
        )
        .unwrap();
        openssl(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "san.ext",
            "-out",
            "server.crt",
        ]);
        let pgdata = self.data.join("postgres");
        for file in ["server.crt", "server.key"] {
            std::fs::copy(tls.join(file), pgdata.join(file)).unwrap();
            // PostgreSQL reads its key only when the cluster's owner owns it, mode 0600.
            let (uid, gid) = self.owner();
            std::os::unix::fs::chown(pgdata.join(file), Some(uid), Some(gid)).unwrap();
            std::fs::set_permissions(
                pgdata.join(file),
                std::os::unix::fs::PermissionsExt::from_mode(0o600),
            )
            .unwrap();
        }
        let port = free_port();
        let mut conf = std::fs::OpenOptions::new()
            .append(true)
            .open(pgdata.join("postgresql.conf"))
            .unwrap();
        use std::io::Write;
        writeln!(
            conf,
            "listen_addresses = '127.0.0.1'\nport = {port}\nssl = on\n\
             ssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'"
        )
        .unwrap();
        let hba_path = pgdata.join("pg_hba.conf");
        let hba = std::fs::read_to_string(&hba_path).unwrap();
        std::fs::write(
            &hba_path,
            format!(
                "hostssl all all 127.0.0.1/32 trust\nhostnossl all all 127.0.0.1/32 reject\n{hba}"
            ),
        )
        .unwrap();
        self.sh(&["restart", "fast"]).expect("restarts with TLS");
        Tls {
            port,
            ca: tls.join("ca.crt"),
            other_ca: tls.join("other-ca.crt"),
        }
    }
}

impl Drop for Pg {
    fn drop(&mut self) {
        let _ = self.sh(&["stop"]);
        let _ = std::fs::remove_dir_all(&self.data);
    }
}

/// The server binary, run as a process of its own on `port`.
pub struct Server {
    child: Child,
    pub port: u16,
    pub log: PathBuf,
}

/// A free port on 127.0.0.1 (free when asked; the server binds it soon after).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Server {
    /// Starts the binary against `database_url` with `settings` and waits until `/healthz`
    /// answers 200.
    pub async fn start(database_url: &str, port: u16, settings: &[(&str, &str)]) -> Self {
        Self::try_start(database_url, port, settings)
            .await
            .unwrap_or_else(|logs| panic!("the server exited:\n{logs}"))
    }

    /// `start`, or the server's logs when it exits instead of becoming healthy.
    pub async fn try_start(
        database_url: &str,
        port: u16,
        settings: &[(&str, &str)],
    ) -> Result<Self, String> {
        let log = std::env::temp_dir().join(format!("tlf-server-{port}-{}.log", rand_suffix()));
        let file = std::fs::File::create(&log).unwrap();
        // FAULTS_SERVER_BIN runs these tests against another build (an older release's, to
        // compare); by default, this one's.
        let bin = std::env::var("FAULTS_SERVER_BIN")
            .unwrap_or_else(|_| env!("CARGO_BIN_EXE_tasklist").to_owned());
        let mut cmd = Command::new(bin);
        cmd.current_dir(ROOT)
            .env("DATABASE_URL", database_url)
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("LEPTOS_SITE_ROOT", "target/site")
            .env("RUST_LOG", "info")
            .env("LOG_FORMAT", "json")
            .env("API_RATE_LIMIT", "1000000")
            .env("AUTH_ADDRESS_LIMIT", "100000")
            .env("SHUTDOWN_DRAIN_SECS", "0")
            .env_remove("METRICS_ADDR")
            .stdin(Stdio::null())
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .kill_on_drop(true);
        for (name, value) in settings {
            cmd.env(name, value);
        }
        let mut child = cmd.spawn().expect("the server binary starts");
        let health = format!("http://127.0.0.1:{port}/healthz");
        let client = plain_client();
        for _ in 0..600 {
            if let Ok(Some(status)) = child.try_wait() {
                let logs = std::fs::read_to_string(&log).unwrap_or_default();
                let _ = std::fs::remove_file(&log);
                return Err(format!("exit {status}\n{logs}"));
            }
            if client
                .get(&health)
                .send()
                .await
                .is_ok_and(|r| r.status() == StatusCode::OK)
            {
                return Ok(Self { child, port, log });
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the server did not become healthy");
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The process id, for reading its `/proc/PID/status`.
    pub fn pid(&self) -> u32 {
        self.child.id().expect("still running")
    }

    /// SIGKILL: no chance to finish anything.
    pub async fn kill_9(mut self) {
        self.child.start_kill().expect("SIGKILL sent");
        self.child.wait().await.expect("the server is gone");
    }

    /// SIGTERM: the stop a deployment asks for.
    pub fn terminate(&self) {
        let pid = self.child.id().expect("still running") as i32;
        // SAFETY: kill(2) with a pid of our own child and a valid signal number.
        assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    }

    /// Waits for the process to exit (at most a minute: a stop that never ends is the
    /// failure this guards against) and says whether it exited with success.
    pub async fn exited(&mut self) -> bool {
        tokio::time::timeout(Duration::from_secs(60), self.child.wait())
            .await
            .expect("the server exits after SIGTERM")
            .expect("wait")
            .success()
    }

    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
        let _ = std::fs::remove_file(&self.log);
    }
}

fn rand_suffix() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..8].to_owned()
}

/// A client that follows no redirects and gives up on an answer after 30 s: a request that
/// takes longer is a hang.
pub fn plain_client() -> Client {
    Client::builder()
        .redirect(redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// A person signed up through the pages, with a write token made by the account page's
/// form: their signed-in client, the token and its id.
pub struct Person {
    pub session: Client,
    pub base: String,
    pub token: String,
    pub token_id: i64,
}

impl Person {
    pub async fn sign_up(base: &str) -> Self {
        let session = Client::builder()
            .cookie_store(true)
            .redirect(redirect::Policy::none())
            .build()
            .unwrap();
        let mut person = Self {
            session,
            base: base.to_owned(),
            token: String::new(),
            token_id: 0,
        };
        let email = format!("faults-{}@example.com", uuid::Uuid::new_v4().simple());
        let password = "correct horse battery staple 42";
        let signed_up = person
            .post(
                "sign_up",
                &[("email", &email), ("name", ""), ("password", password)],
            )
            .await;
        assert_eq!(signed_up.status(), StatusCode::OK);
        let created: Value = person
            .post(
                "create_token",
                &[
                    ("name", "faults"),
                    ("scope", "write"),
                    ("expires", "30"),
                    ("current_password", password),
                ],
            )
            .await
            .json()
            .await
            .unwrap();
        person.token = created["secret"].as_str().expect("a token").to_owned();
        person.token_id = created["token"]["id"].as_i64().expect("its id");
        person
    }

    /// Calls server function `name` as the hydrated page does, signed in.
    pub async fn post(&self, name: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.session
            .post(format!("{}/api/{name}", self.base))
            .header(header::ACCEPT, "application/json")
            .header("sec-fetch-site", "same-origin")
            .form(form)
            .send()
            .await
            .expect("the server answers")
    }
}

/// A new person's write token (`Person::sign_up`).
pub async fn person_with_token(base: &str) -> String {
    Person::sign_up(base).await.token
}

/// What became of one request.
#[derive(Debug)]
pub enum Outcome {
    /// A 2xx, with its body.
    Done(Value),
    /// Any other status, with whether `Retry-After` came with it.
    Status(StatusCode, bool),
    /// No answer: the connection was refused or dropped.
    NoAnswer,
    /// No answer within the client's 30 s.
    Hung,
}

pub async fn send(req: reqwest::RequestBuilder) -> Outcome {
    match req.send().await {
        Ok(res) if res.status().is_success() => {
            let body = res.text().await.unwrap_or_default();
            Outcome::Done(serde_json::from_str(&body).unwrap_or(Value::Null))
        }
        Ok(res) => Outcome::Status(
            res.status(),
            res.headers().contains_key(header::RETRY_AFTER),
        ),
        Err(err) if err.is_timeout() => Outcome::Hung,
        Err(_) => Outcome::NoAnswer,
    }
}

/// The tags a load task of this number carries: the check that nothing is half-written
/// reads them back from the title.
pub fn tags_for(n: usize) -> Vec<String> {
    vec![format!("load{}", n % 3), "faults".into()]
}

/// One writer's record: what the server acknowledged, and every other outcome.
#[derive(Debug, Default)]
pub struct Record {
    /// (id, title) of each task whose add was answered 201.
    pub added: Vec<(i64, String)>,
    /// Ids whose completion was answered 200.
    pub completed: Vec<i64>,
    pub other: Vec<Outcome>,
}

/// A writer: adds tasks (`w{writer}-{n}`, tags `tags_for(n)`) and completes every other one
/// it added, as fast as answers come, until `stop` is set. `acked` counts the acknowledged
/// writes of every writer.
pub async fn write_until(
    base: String,
    token: String,
    writer: usize,
    acked: Arc<std::sync::atomic::AtomicUsize>,
    stop: Arc<std::sync::atomic::AtomicBool>,
) -> Record {
    use std::sync::atomic::Ordering;
    let client = plain_client();
    let mut record = Record::default();
    let mut n = 0;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let title = format!("w{writer}-{n}");
        let add = client
            .post(format!("{base}/api/v1/tasks"))
            .bearer_auth(&token)
            .json(&json!({"title": title, "tags": tags_for(n)}));
        match send(add).await {
            Outcome::Done(task) => {
                record
                    .added
                    .push((task["id"].as_i64().expect("an id"), title));
                acked.fetch_add(1, Ordering::Relaxed);
            }
            other => {
                record.other.push(other);
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        }
        if n % 2 == 0 {
            let (id, _) = record.added[record.added.len() / 2];
            let complete = client
                .post(format!("{base}/api/v1/tasks/{id}/complete"))
                .bearer_auth(&token);
            match send(complete).await {
                Outcome::Done(_) => {
                    record.completed.push(id);
                    acked.fetch_add(1, Ordering::Relaxed);
                }
                other => record.other.push(other),
            }
        }
    }
    record
}

/// Waits until `acked` reaches `at_least`.
pub async fn until_acked(acked: &std::sync::atomic::AtomicUsize, at_least: usize) {
    while acked.load(std::sync::atomic::Ordering::Relaxed) < at_least {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Every acknowledged add is there with its title and tags, every acknowledged completion is
/// done, no load task at all (acknowledged or not) lacks a tag its title implies, and each
/// person's counter row agrees with their tasks.
pub async fn assert_nothing_lost_or_half_written(pool: &sqlx::PgPool, records: &[Record]) {
    let rows: Vec<(i64, String, bool, Vec<String>)> = sqlx::query_as(
        "select t.id, t.title, t.completed,
                coalesce(array_agg(g.name order by g.name) filter (where g.name is not null), '{}')
         from tasks t
         left join task_tags tt on tt.task_id = t.id
         left join tags g on g.id = tt.tag_id
         group by t.id",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let by_id: std::collections::HashMap<i64, (String, bool, Vec<String>)> = rows
        .iter()
        .map(|(id, title, done, tags)| (*id, (title.clone(), *done, tags.clone())))
        .collect();
    for (id, title, _, tags) in &rows {
        let n: usize = title
            .split('-')
            .nth(1)
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("a load title: {title}"));
        let mut want = tags_for(n);
        want.sort();
        assert_eq!(tags, &want, "task {id} ({title}) has all its tags");
    }
    let mut acked = 0;
    for record in records {
        for (id, title) in &record.added {
            let (stored, _, _) = by_id
                .get(id)
                .unwrap_or_else(|| panic!("acknowledged task {id} ({title}) is lost"));
            assert_eq!(stored, title);
            acked += 1;
        }
        for id in &record.completed {
            assert!(by_id[id].1, "acknowledged completion of {id} is lost");
            acked += 1;
        }
    }
    assert!(acked > 0, "the load acknowledged something");
    let off: i64 = sqlx::query_scalar(
        "select count(*) from task_counts c
         cross join lateral (
             select count(*) filter (where not t.completed) as active,
                    count(*) filter (where t.completed) as completed
             from tasks t where t.user_id = c.user_id) real
         where (c.active, c.completed) <> (real.active, real.completed)",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(off, 0, "every counter row agrees with its tasks");
}

/// HAProxy with `deploy/haproxy.cfg` in front of instances on `ports` (`app1`, `app2`, ...),
/// listening on `port`; stopped when dropped.
pub struct Balancer {
    child: Child,
    pub port: u16,
    config: PathBuf,
}

impl Balancer {
    pub async fn start(ports: &[u16]) -> Self {
        let haproxy = ["/usr/sbin/haproxy", "/usr/bin/haproxy"]
            .into_iter()
            .find(|p| Path::new(p).exists())
            .expect("haproxy is installed (scripts/install-tools.sh --test)");
        let mut config = std::fs::read_to_string(Path::new(ROOT).join("deploy/haproxy.cfg"))
            .expect("deploy/haproxy.cfg");
        for (i, port) in ports.iter().enumerate() {
            config.push_str(&format!("    server app{} 127.0.0.1:{port}\n", i + 1));
        }
        let port = free_port();
        let path = std::env::temp_dir().join(format!("tlf-haproxy-{port}-{}.cfg", rand_suffix()));
        std::fs::write(&path, config).unwrap();
        let child = Command::new(haproxy)
            .args(["-W", "-db", "-f"])
            .arg(&path)
            .env("LB_BIND", format!("127.0.0.1:{port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("haproxy starts");
        let balancer = Self {
            child,
            port,
            config: path,
        };
        for i in 1..=ports.len() {
            balancer.until_served_by(&format!("app{i}")).await;
        }
        balancer
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Waits until the balancer sends a request to instance `name` (it counts it up).
    pub async fn until_served_by(&self, name: &str) {
        let client = plain_client();
        for _ in 0..1000 {
            if let Ok(res) = client.get(format!("{}/healthz", self.base())).send().await {
                if res
                    .headers()
                    .get("x-served-by")
                    .is_some_and(|v| v.as_bytes() == name.as_bytes())
                {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("the balancer never sent a request to {name}");
    }
}

impl Drop for Balancer {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
        let _ = std::fs::remove_file(&self.config);
    }
}

/// PgBouncer (Debian's 1.18) in front of `pg`'s database, in `mode` (`session` or
/// `transaction`), on a port of its own; stopped when dropped.
pub struct Bouncer {
    child: Child,
    pub port: u16,
}

impl Bouncer {
    pub async fn start(pg: &Pg, mode: &str) -> Self {
        Self::start_on(pg, mode, free_port()).await
    }

    pub async fn start_on(pg: &Pg, mode: &str, port: u16) -> Self {
        let dir = pg.data.join(format!("pgbouncer-{port}"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("users.txt"), "\"tasklist\" \"\"\n").unwrap();
        let ini = dir.join("pgbouncer.ini");
        std::fs::write(
            &ini,
            format!(
                "[databases]\n\
                 tasklist = host={sock} dbname={db} user=tasklist\n\
                 [pgbouncer]\n\
                 listen_addr = 127.0.0.1\n\
                 listen_port = {port}\n\
                 unix_socket_dir =\n\
                 auth_type = trust\n\
                 auth_file = {users}\n\
                 pool_mode = {mode}\n\
                 max_client_conn = 200\n\
                 default_pool_size = 20\n\
                 ; sqlx sends these at connect: the pool's session settings (`options`)\n\
                 ; and its float format. 1.18 refuses unknown ones unless told to ignore them.\n\
                 ignore_startup_parameters = extra_float_digits,options\n",
                sock = pg.data.join("run").display(),
                db = pg.db,
                users = dir.join("users.txt").display(),
            ),
        )
        .unwrap();
        let mut cmd = Command::new("/usr/sbin/pgbouncer");
        cmd.arg(&ini)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true);
        // PgBouncer refuses to run as root: as root, run it as the cluster's owner.
        // SAFETY: getuid(2) has no preconditions.
        if unsafe { libc::getuid() } == 0 {
            let (uid, gid) = pg.owner();
            cmd.uid(uid).gid(gid);
        }
        let child = cmd
            .spawn()
            .expect("pgbouncer starts (scripts/install-tools.sh --test)");
        for _ in 0..500 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return Self { child, port };
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("pgbouncer did not listen on {port}");
    }

    pub fn url(&self, db: &str) -> String {
        format!("postgres://tasklist@127.0.0.1:{}/{db}", self.port)
    }

    pub async fn stop(mut self) {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
    }
}

impl Drop for Bouncer {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}
