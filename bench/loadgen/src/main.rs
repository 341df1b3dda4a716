//! The benchmark of the task list, driven by bench/run.sh (which builds, starts PostgreSQL and
//! the release server, and seeds). Two subcommands:
//!
//!   tasklist-loadgen signup   sign up the named benchmark users through POST /api/sign_up
//!   tasklist-loadgen run      sign in, run every measurement, write bench/RESULTS.md
//!
//! Everything is configured by BENCH_* environment variables that bench/run.sh sets (see
//! `Config::from_env`). Load only ever goes to 127.0.0.1, for a bounded time.

mod api;
mod http;
mod live;
mod load;
mod pg;
mod procs;
mod report;

use std::{
    collections::BTreeMap,
    env,
    path::PathBuf,
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::{bail, Context, Result};

use crate::{
    http::{Conn, Req, Target},
    load::{Group, MakeReq, Measured, Usage},
    pg::{Db, Values},
    procs::Probe,
};

// ============================================================================================
// The app's HTTP API as the harness drives it. Keep in step with src/tasks/api.rs and
// src/tasks/mod.rs (query parameters of list_tasks, page size, cursor format).
// ============================================================================================

/// `PAGE_SIZE` in src/tasks/mod.rs; the list query asks for one more row to know whether a
/// next page exists.
const PAGE_SIZE: i64 = 50;
const LIST_PATH: &str = "/api/list_tasks";
/// The search term of the "filtered and searched" page (seed.sql puts it in about 4% of
/// titles and in one of the description sentences).
const SEARCH_TERM: &str = "invoice";

/// A list scenario: what the browser asks for, and the values its SQL is bound to.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Scenario {
    /// The first page, default filter and sort.
    First,
    /// Active tasks only, searched for SEARCH_TERM.
    Search,
    /// A page 90% of the way down the list, reached with a cursor.
    Deep,
}

impl Scenario {
    pub const ALL: [Scenario; 3] = [Scenario::First, Scenario::Search, Scenario::Deep];

    pub fn key(self) -> &'static str {
        match self {
            Scenario::First => "first",
            Scenario::Search => "search",
            Scenario::Deep => "deep",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Scenario::First => "first page",
            Scenario::Search => "active + search",
            Scenario::Deep => "deep page (cursor at 90%)",
        }
    }

    /// The query string of GET /api/list_tasks (parameters of `list_tasks` in
    /// src/tasks/api.rs: filter, priority, tag, due, q, sort, after).
    fn query(self, list: &ListUser) -> String {
        match self {
            Scenario::First => String::new(),
            Scenario::Search => format!("filter=active&q={SEARCH_TERM}"),
            Scenario::Deep => format!("after={}", list.deep_cursor),
        }
    }

    /// pgbench's query mode: how the app sends this page's statement (`tasks::db::Plan`). A
    /// page of the whole list is a prepared statement (`Plan::Kept`); a searched page an
    /// unnamed one, planned for its values (`Plan::ForTheseValues`).
    fn query_mode(self) -> &'static str {
        match self {
            Scenario::Search => "extended",
            Scenario::First | Scenario::Deep => "prepared",
        }
    }

    /// The values bench/pgbench/list.sql binds for this scenario (None = SQL null), as
    /// `Filters::new` in src/tasks/db/list.rs derives them from the URL.
    fn values(self, list: &ListUser) -> Values {
        let mut v: Values = BTreeMap::new();
        let mut set = |k: &str, val: Option<&str>| {
            v.insert(k.to_owned(), val.map(str::to_owned));
        };
        set("user", Some(&list.id));
        set("limit", Some(&(PAGE_SIZE + 1).to_string()));
        for k in [
            "completed",
            "priority",
            "tag",
            "due_from",
            "due_to",
            "due_before",
            "search",
            "after_created_at",
            "after_id",
        ] {
            set(k, None);
        }
        set("no_due", Some("false"));
        set("repeating", Some("false"));
        set("all_words", Some("{}"));
        match self {
            Scenario::First => {}
            Scenario::Search => {
                let pattern = format!("%{SEARCH_TERM}%");
                set("completed", Some("false"));
                set("search", Some(&pattern));
                set("all_words", Some(&format!("{{{pattern}}}")));
            }
            Scenario::Deep => {
                set("after_created_at", Some(&list.deep_created_at));
                set("after_id", Some(&list.deep_id));
            }
        }
        v
    }
}

/// The row a deep page starts after, in the default order of the list (newest first), and
/// its cursor as `Cursor::encode` writes it (`n.<microseconds>.<id>`).
fn deep_cursor_sql(user: &str, offset: i64) -> String {
    format!(
        "select 'n.' || (extract(epoch from created_at) * 1000000)::bigint || '.' || id, created_at, id
         from tasks where user_id = '{user}'
         order by created_at desc, id desc offset {offset} limit 1"
    )
}

/// How many of a person's tasks the "active + search" view holds (for the report).
fn search_matches_sql(user: &str) -> String {
    format!(
        "select count(*) from tasks where user_id = '{user}' and not completed
           and (title || ' ' || coalesce(description, '')) ilike '%{SEARCH_TERM}%'"
    )
}

fn list_path(query: &str) -> String {
    if query.is_empty() {
        LIST_PATH.to_owned()
    } else {
        format!("{LIST_PATH}?{query}")
    }
}

/// The add form filled in completely: priority, a due date (`YYYY-MM-DD`) and two tags
/// that the person already has (seed.sql gives every person with 20+ tasks the same eight).
fn add_task(cookie: &str, due: &str, w: usize, i: u64) -> Req {
    let title = format!("Benchmark task {w}-{i}");
    Req::post(
        "/api/add_task",
        Some(cookie),
        &[
            ("title", &title),
            ("description", "Added by bench/run.sh."),
            ("priority", "medium"),
            ("due_date", due),
            ("tags", "work, errands"),
        ],
    )
}

fn set_task_completed(cookie: &str, id: i64, completed: bool) -> Req {
    let id = id.to_string();
    let completed = completed.to_string();
    Req::post(
        "/api/set_task_completed",
        Some(cookie),
        &[("id", &id), ("completed", &completed)],
    )
}

/// The edit form: every field sent, the tags switching between two sets.
fn update_task(cookie: &str, due: &str, id: i64, i: u64) -> Req {
    let id = id.to_string();
    let title = format!("Edited by the benchmark ({i})");
    let tags = if i.is_multiple_of(2) {
        "home"
    } else {
        "home, urgent"
    };
    Req::post(
        "/api/update_task",
        Some(cookie),
        &[
            ("id", &id),
            ("title", &title),
            ("description", "Changed by bench/run.sh."),
            ("priority", "high"),
            ("due_date", due),
            ("tags", tags),
        ],
    )
}

fn sign_in_req(email: &str, password: &str) -> Req {
    Req::post(
        "/api/sign_in",
        None,
        &[("email", email), ("password", password)],
    )
}

pub const NAMED_USERS: [(&str, &str); 5] = [
    ("bench-100@example.com", "Bench Hundred"),
    ("bench-10k@example.com", "Bench Ten Thousand"),
    ("bench-100k@example.com", "Bench Hundred Thousand"),
    ("bench-rw@example.com", "Bench Writer"),
    ("bench-template@example.com", "Bench Template"),
];

// ============================================================================================

pub struct Config {
    pub root: PathBuf,
    pub work: PathBuf,
    pub out: PathBuf,
    pub addr: String,
    pub server_pid: u32,
    pub postmaster_pid: u32,
    pub db_url: String,
    pub pg_bin: PathBuf,
    pub warmup: u64,
    pub window: u64,
    pub concurrency: Vec<usize>,
    pub sign_in_concurrency: usize,
    pub password: String,
    pub accept_encoding: Option<String>,
    pub command: String,
    pub server_log: Option<PathBuf>,
    pub build_seconds: Option<String>,
    pub seed_seconds: Option<String>,
}

fn var(name: &str) -> Result<String> {
    env::var(name).with_context(|| format!("{name} is not set (bench/run.sh sets it)"))
}

fn var_or(name: &str, default: &str) -> String {
    env::var(name).unwrap_or_else(|_| default.to_owned())
}

impl Config {
    fn from_env(need_pids: bool) -> Result<Self> {
        let root = PathBuf::from(var_or("BENCH_ROOT", "."));
        let pid = |name: &str| -> Result<u32> {
            if need_pids {
                Ok(var(name)?.parse()?)
            } else {
                Ok(0)
            }
        };
        let encoding = var_or("BENCH_ACCEPT_ENCODING", "gzip, deflate, br, zstd");
        Ok(Self {
            work: PathBuf::from(var_or(
                "BENCH_WORK",
                &root.join("bench/work").to_string_lossy(),
            )),
            out: PathBuf::from(var_or(
                "BENCH_OUT",
                &root.join("bench/RESULTS.md").to_string_lossy(),
            )),
            root,
            addr: var("BENCH_ADDR")?,
            server_pid: pid("BENCH_SERVER_PID")?,
            postmaster_pid: pid("BENCH_POSTMASTER_PID")?,
            db_url: var("BENCH_DB_URL")?,
            pg_bin: PathBuf::from(var_or("BENCH_PG_BIN", "/usr/lib/postgresql/15/bin")),
            warmup: var_or("BENCH_WARMUP", "1").parse()?,
            window: var_or("BENCH_SECONDS", "6").parse()?,
            concurrency: var_or("BENCH_CONCURRENCY", "1 8 32")
                .split_whitespace()
                .map(str::parse)
                .collect::<Result<_, _>>()?,
            sign_in_concurrency: var_or("BENCH_SIGNIN_CONCURRENCY", "50").parse()?,
            password: var_or("BENCH_PASSWORD", "tangerine orbit cello marsh"),
            accept_encoding: (!encoding.is_empty()).then_some(encoding),
            command: var_or("BENCH_COMMAND", "bench/run.sh"),
            server_log: env::var("BENCH_SERVER_LOG").ok().map(PathBuf::from),
            build_seconds: env::var("BENCH_BUILD_SECONDS").ok(),
            seed_seconds: env::var("BENCH_SEED_SECONDS").ok(),
        })
    }
}

/// A person whose list is measured.
#[derive(Clone, Debug)]
pub struct ListUser {
    pub label: &'static str,
    pub email: &'static str,
    pub id: String,
    pub tasks: i64,
    pub completed: i64,
    pub deep_cursor: String,
    pub deep_created_at: String,
    pub deep_id: String,
    pub search_matches: i64,
    /// Bytes of one first-page answer: as sent with the load's Accept-Encoding, and plain.
    pub first_page_bytes: (usize, usize),
}

/// A person who writes, with some of their task ids.
#[derive(Clone)]
pub struct Writer {
    pub cookie: String,
    pub ids: Vec<i64>,
}

/// One measured run.
#[derive(Clone)]
pub struct Row {
    /// "http" or "sql"
    pub kind: &'static str,
    pub scenario: String,
    /// "100", "10k", "100k" or "" when it does not apply.
    pub size: String,
    pub m: Measured,
    pub u: Usage,
    /// ERROR lines the server logged during the run (warm-up included), and the first one.
    pub logged_errors: usize,
    pub first_logged: Option<String>,
}

impl Row {
    /// Server minor page faults and kernel CPU milliseconds per request.
    pub fn faults_and_sys(&self) -> (f64, f64) {
        let n = self.m.ok.max(1) as f64 * self.u.seconds / self.m.seconds.max(1e-9);
        (
            self.u.server_minflt as f64 / n,
            self.u.server_sys * 1000.0 / n,
        )
    }

    /// The share of the machine that other processes used during the window.
    pub fn other_share(&self, cores: usize) -> f64 {
        self.u.other_cpu / (self.u.seconds.max(1e-9) * cores as f64)
    }

    /// CPU milliseconds per request of (server, PostgreSQL, load generator).
    pub fn cpu_ms(&self) -> (f64, f64, f64) {
        let n = self.m.ok.max(1) as f64 * self.u.seconds / self.m.seconds.max(1e-9);
        let per = |s: f64| s * 1000.0 / n;
        (
            per(self.u.server_cpu),
            per(self.u.pg_cpu),
            per(self.u.client_cpu),
        )
    }
}

pub struct Results {
    pub rows: Vec<Row>,
    pub lists: Vec<ListUser>,
    pub argon2_ms: (f64, f64),
    pub drift: Vec<String>,
    pub machine: report::Machine,
    pub data: Vec<(String, String)>,
    pub rss_idle_kb: u64,
    pub rss_hwm_kb: u64,
    pub started: Instant,
    pub plans: Vec<(String, String)>,
    pub xacts: Vec<(String, f64, usize)>,
    pub settings: Vec<(String, String)>,
    pub live: LiveResults,
    pub api: api::ApiResults,
}

/// Section 7: live updates.
pub struct LiveResults {
    /// (c, add without NOTIFY, add with NOTIFY and a stream per writer)
    pub notify: Vec<(usize, Row, Row)>,
    /// (what, streams, server VmRSS before opening them, after, KiB)
    pub memory: Vec<(String, usize, u64, u64)>,
    /// (what, fan-out figures)
    pub fan_out: Vec<(String, live::FanOut)>,
    /// LIVE_MAX_STREAMS_PER_USER of the server in this run.
    pub per_user_limit: String,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    let cmd = env::args().nth(1).unwrap_or_default();
    match cmd.as_str() {
        "signup" => signup().await,
        "run" => run().await,
        _ => bail!("usage: tasklist-loadgen signup|run (bench/run.sh runs both)"),
    }
}

async fn signup() -> Result<()> {
    let config = Config::from_env(false)?;
    let target = Target::new(&config.addr, None)?;
    let mut conn = Conn::new(&target);
    for (email, name) in NAMED_USERS {
        let req = Req::post(
            "/api/sign_up",
            None,
            &[
                ("email", email),
                ("name", name),
                ("password", &config.password),
            ],
        );
        let r = conn.send(&req).await?;
        if !r.ok() {
            bail!("sign-up of {email} failed: {} {}", r.status, r.text());
        }
        eprintln!("signed up {email}");
    }
    Ok(())
}

async fn sign_in(conn: &mut Conn, email: &str, password: &str) -> Result<String> {
    let r = conn.send(&sign_in_req(email, password)).await?;
    if !r.ok() {
        bail!("sign-in of {email} failed: {} {}", r.status, r.text());
    }
    r.cookie("session")
        .with_context(|| format!("sign-in of {email} set no session cookie"))
}

async fn sessions(target: &Target, email: &str, password: &str, n: usize) -> Result<Vec<String>> {
    let mut conn = Conn::new(target);
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(sign_in(&mut conn, email, password).await?);
    }
    Ok(out)
}

struct Runner {
    config: Config,
    target: Target,
    db: Db,
    probe: Probe,
    /// Session settings for pgbench (the app pool's, from bench/pgbench/list.sql).
    settings: Vec<(String, String)>,
    cores: usize,
    rows: Vec<Row>,
    /// (what, database transactions per request, requests)
    xact_rows: Vec<(String, f64, usize)>,
    planned: usize,
    done: usize,
    started: Instant,
}

impl Runner {
    fn warmup(&self) -> Duration {
        Duration::from_secs(self.config.warmup)
    }

    fn window(&self) -> Duration {
        Duration::from_secs(self.config.window)
    }

    fn progress(&mut self, row: &Row) {
        self.done += 1;
        let (s, p, c) = row.cpu_ms();
        eprintln!(
            "[{:>3}/{} {:>4.0}s] {:<4} {:<28} {:>4} c={:<3} {:>8.1}/s p50 {:>7.2} ms p99 {:>7.2} ms err {:<3} cpu/req {:.2}+{:.2}+{:.2} ms other {:.0}%{}{}",
            self.done,
            self.planned,
            self.started.elapsed().as_secs_f64(),
            row.kind,
            row.scenario,
            row.size,
            row.m.concurrency,
            row.m.rps(),
            row.m.ms(0.5),
            row.m.ms(0.99),
            row.m.errors,
            s,
            p,
            c,
            row.other_share(self.cores) * 100.0,
            if row.logged_errors > 0 {
                format!("\n      the server logged {} errors, first: {}", row.logged_errors, row.first_logged.as_deref().unwrap_or(""))
            } else {
                String::new()
            },
            row.m
                .first_error
                .as_ref()
                .map(|e| format!("\n      first error: {e}"))
                .unwrap_or_default(),
        );
    }

    /// The server's ERROR log lines so far (ANSI colours removed).
    fn server_errors(&self) -> Vec<String> {
        let Some(path) = &self.config.server_log else {
            return Vec::new();
        };
        let text = std::fs::read_to_string(path).unwrap_or_default();
        text.lines()
            .map(strip_ansi)
            .filter(|l| l.contains(" ERROR ") || l.contains("panicked"))
            .collect()
    }

    async fn http(&mut self, scenario: &str, size: &str, groups: Vec<Group>) -> Vec<Row> {
        if !self.probe.server_alive() {
            panic!(
                "the server (pid {}) is gone; see bench/work/server.log",
                self.probe.server_pid
            );
        }
        let logged_before = self.server_errors().len();
        let (measured, usage) = load::run(
            &self.target,
            groups,
            self.warmup(),
            self.window(),
            &self.probe,
        )
        .await;
        let logged: Vec<String> = self
            .server_errors()
            .into_iter()
            .skip(logged_before)
            .collect();
        let mut out = Vec::new();
        for m in measured {
            let row = Row {
                kind: "http",
                scenario: if m.label.is_empty() {
                    scenario.to_owned()
                } else {
                    m.label.clone()
                },
                size: size.to_owned(),
                m,
                u: usage,
                logged_errors: logged.len(),
                first_logged: logged.first().cloned(),
            };
            self.progress(&row);
            self.rows.push(row.clone());
            out.push(row);
        }
        out
    }

    /// Committed transactions of the benchmark database so far, once every backend has
    /// flushed its statistics (PostgreSQL 15 flushes an idle backend's within about a
    /// second). Each psql read is itself one transaction; `reads` counts them.
    async fn xacts(&self, reads: &mut i64) -> Result<i64> {
        let sql = "select xact_commit + xact_rollback from pg_stat_database where datname = current_database()";
        let mut last: i64 = self.db.one(sql)?.parse()?;
        *reads += 1;
        for _ in 0..20 {
            tokio::time::sleep(Duration::from_millis(500)).await;
            let now: i64 = self.db.one(sql)?.parse()?;
            *reads += 1;
            // Stable when only the previous read's own transaction was added.
            if now - last <= 1 {
                return Ok(now);
            }
            last = now;
        }
        Ok(last)
    }

    /// Database transactions (statements, as the app runs each on its own) per request.
    async fn xacts_per_request(
        &mut self,
        label: &str,
        make: MakeReq,
        n: usize,
        c: usize,
    ) -> Result<()> {
        let mut reads = 0;
        let before = self.xacts(&mut reads).await?;
        reads = 0;
        let ok = load::fixed(&self.target, make, n, c).await;
        let after = self.xacts(&mut reads).await?;
        // Every read but the last one that was counted in `after` added one transaction.
        let delta = after - before - (reads - 1);
        let per = delta as f64 / ok.max(1) as f64;
        eprintln!("db transactions per request, {label}: {per:.2} ({delta} for {ok} requests)");
        self.xact_rows.push((label.to_owned(), per, ok));
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn sql(
        &mut self,
        scenario: &str,
        size: &str,
        script: &str,
        defines: &[String],
        mode: &str,
        c: usize,
    ) -> Result<Row> {
        let label = format!("{}-{}-c{}", slug(scenario), size, c);
        let (m, u) = pg::pgbench(
            &self.db,
            &self.settings,
            &self.config.work,
            &label,
            script,
            defines,
            mode,
            c,
            self.warmup(),
            self.window(),
            &self.probe,
        )?;
        let row = Row {
            kind: "sql",
            scenario: scenario.to_owned(),
            size: size.to_owned(),
            m,
            u,
            logged_errors: 0,
            first_logged: None,
        };
        self.progress(&row);
        self.rows.push(row.clone());
        Ok(row)
    }
}

fn group(
    label: &str,
    concurrency: usize,
    make: impl Fn(usize, u64) -> Req + Send + Sync + 'static,
) -> Group {
    Group {
        label: label.to_owned(),
        concurrency,
        make: Arc::new(make),
    }
}

async fn run() -> Result<()> {
    let started = Instant::now();
    let config = Config::from_env(true)?;
    std::fs::create_dir_all(&config.work)?;
    let target = Target::new(&config.addr, config.accept_encoding.clone())?;
    let db = Db {
        url: config.db_url.clone(),
        bin: config.pg_bin.clone(),
    };
    let probe = Probe::new(config.server_pid, config.postmaster_pid);
    let rss_idle_kb = probe.server_rss_kb().0;

    // The pgbench SQL against the app's current source.
    let sql_file = pg::parse_file(&config.root.join("bench/pgbench/list.sql"))?;
    let blocks = sql_file.blocks.clone();
    let settings = sql_file.settings.clone();
    let statements = pg::checked_statements(&config.root.join(".sqlx"))?;
    let drift: Vec<String> = blocks
        .iter()
        .filter(|b| !statements.contains(&pg::normalise(&b.sql)))
        .map(|b| b.name.clone())
        .collect();
    if drift.is_empty() {
        eprintln!("bench/pgbench/list.sql matches the app's statements in .sqlx/");
    } else {
        eprintln!(
            "WARNING: bench/pgbench/list.sql is out of date: not among the app's statements in .sqlx/: {}",
            drift.join(", ")
        );
    }
    // Every scenario must have a script whose values are all known, before any load runs.
    let probe_user = ListUser {
        label: "",
        email: "",
        id: "00000000-0000-0000-0000-000000000000".into(),
        tasks: 0,
        completed: 0,
        deep_cursor: String::new(),
        deep_created_at: "2000-01-01".into(),
        deep_id: "1".into(),
        search_matches: 0,
        first_page_bytes: (0, 0),
    };
    for s in Scenario::ALL {
        pg::script(&blocks, s.key(), &s.values(&probe_user))?;
    }

    let machine = report::Machine::collect(&config, &db)?;

    // The people whose lists are measured.
    let mut lists = Vec::new();
    for (label, email) in [
        ("100", "bench-100@example.com"),
        ("10k", "bench-10k@example.com"),
        ("100k", "bench-100k@example.com"),
    ] {
        let row = db.rows(&format!(
            "select u.id, count(t.id), count(t.id) filter (where t.completed)
             from users u left join tasks t on t.user_id = u.id
             where u.email = '{email}' group by u.id"
        ))?;
        let Some([id, tasks, completed]) = row
            .first()
            .cloned()
            .and_then(|r| <[String; 3]>::try_from(r).ok())
        else {
            bail!("{email} is not in the database: run bench/run.sh (it signs up and seeds)");
        };
        let tasks: i64 = tasks.parse()?;
        let offset = tasks * 9 / 10;
        let deep = db.rows(&deep_cursor_sql(&id, offset))?;
        let Some([cursor, created_at, deep_id]) = deep
            .first()
            .cloned()
            .and_then(|r| <[String; 3]>::try_from(r).ok())
        else {
            bail!("{email} has no tasks: seeding failed");
        };
        let search_matches = db.one(&search_matches_sql(&id))?.parse()?;
        lists.push(ListUser {
            label,
            email,
            id,
            tasks,
            completed: completed.parse()?,
            deep_cursor: cursor,
            deep_created_at: created_at,
            deep_id,
            search_matches,
            first_page_bytes: (0, 0),
        });
    }
    let data = report::data_summary(&db)?;

    // argon2id at the app's parameters, against the real stored hash, on one core.
    let hash =
        db.one("select password_hash from users where email = 'bench-template@example.com'")?;
    let argon2_ms = argon2_cost(&hash, &config.password)?;
    eprintln!(
        "argon2id verify: median {:.1} ms, min {:.1} ms",
        argon2_ms.0, argon2_ms.1
    );

    // Sessions from real sign-ins: one per client of the largest concurrency, per person.
    let max_c = *config.concurrency.iter().max().unwrap_or(&8);
    let mut cookies: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for l in &lists {
        cookies.insert(
            l.label,
            sessions(&target, l.email, &config.password, max_c).await?,
        );
    }
    // Check every list answer once, and note its size.
    let plain = Target::new(&config.addr, None)?;
    for l in lists.iter_mut() {
        let cookie = cookies[l.label][0].clone();
        for s in Scenario::ALL {
            let r = Conn::new(&plain)
                .send(&Req::get(list_path(&s.query(l)), Some(&cookie)))
                .await?;
            if !r.ok() {
                bail!("{} for {}: {} {}", s.title(), l.email, r.status, r.text());
            }
            let json = r.json()?;
            let n = json["tasks"].as_array().map_or(0, Vec::len);
            if n == 0 && !(s == Scenario::Search && l.search_matches == 0) {
                bail!(
                    "{} for {} returned no tasks: {}",
                    s.title(),
                    l.email,
                    r.text()
                );
            }
            if s == Scenario::First {
                let compressed = Conn::new(&target)
                    .send(&Req::get(list_path(&s.query(l)), Some(&cookie)))
                    .await?;
                l.first_page_bytes = (compressed.body.len(), r.body.len());
            }
        }
    }

    // Writers: distinct people (small users with at least 60 tasks), one session each, and
    // 50 of their task ids; plus every session on one person for the same-person run.
    let writer_rows = db.rows(&format!(
        "select u.email, array_to_string((array_agg(t.id order by t.id))[1:50], ',')
         from users u join tasks t on t.user_id = u.id
         where u.email like 'bench-small-%'
         group by u.email having count(*) >= 60
         order by u.email limit {max_c}"
    ))?;
    if writer_rows.len() < max_c {
        bail!(
            "only {} small users have 60 tasks; seed more (BENCH_SMALL_USERS)",
            writer_rows.len()
        );
    }
    let mut writers = Vec::new();
    let mut conn = Conn::new(&target);
    for w in &writer_rows {
        writers.push(Writer {
            cookie: sign_in(&mut conn, &w[0], &config.password).await?,
            ids: w[1].split(',').map(str::parse).collect::<Result<_, _>>()?,
        });
    }
    let rw_id = db.one("select id from users where email = 'bench-rw@example.com'")?;
    let rw_ids: Vec<i64> = db
        .one(&format!(
            "select string_agg(id::text, ',') from (select id from tasks where user_id = '{rw_id}' order by id limit 50) t"
        ))?
        .split(',')
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    let rw_cookies = sessions(&target, "bench-rw@example.com", &config.password, max_c).await?;
    let small_emails: Arc<Vec<String>> = Arc::new(
        db.rows("select email from users where email like 'bench-small-%' order by email")?
            .into_iter()
            .map(|r| r[0].clone())
            .collect(),
    );

    let mut plans = Vec::new();
    for s in Scenario::ALL {
        for l in &lists {
            let (script, defines) = pg::script(&blocks, s.key(), &s.values(l))?;
            plans.push((
                format!("{}, {} tasks", s.title(), l.tasks),
                report::explain(&db, &settings, &script, &defines)?,
            ));
        }
    }

    let conc = config.concurrency.clone();
    let runs_per = conc.len();
    let planned = Scenario::ALL.len() * lists.len() * runs_per * 2 // list: app + SQL
        + runs_per // SSR page
        + 1 // no compression
        + 3 * runs_per + 1 // writes + same-person toggles
        + 3 // sign-ins alone
        + 6 // the list alone, and the list with sign-ins beside it (two rows), at two concurrencies
        + 2 * runs_per // adds with and without NOTIFY
        + 8 * runs_per; // the list and adds, twice through server functions and twice through the API
    eprintln!(
        "{planned} runs of {}+{} s: about {:.0} minutes",
        config.warmup,
        config.window,
        planned as f64 * (config.warmup + config.window) as f64 * 1.08 / 60.0
    );
    let mut r = Runner {
        config,
        target,
        db,
        probe,
        settings: settings.clone(),
        cores: std::thread::available_parallelism().map_or(2, |n| n.get()),
        rows: Vec::new(),
        xact_rows: Vec::new(),
        planned,
        done: 0,
        started,
    };

    // 1. The list through the app, each run followed by its SQL through pgbench.
    for s in Scenario::ALL {
        for l in &lists {
            let (script, defines) = pg::script(&blocks, s.key(), &s.values(l))?;
            for &c in &conc {
                let path = list_path(&s.query(l));
                let cs = cookies[l.label].clone();
                r.http(
                    s.title(),
                    l.label,
                    vec![group("", c, move |w, _| {
                        Req::get(path.clone(), Some(&cs[w]))
                    })],
                )
                .await;
                r.sql(s.title(), l.label, &script, &defines, s.query_mode(), c)?;
            }
        }
    }

    // 2. The server-rendered page (what a browser loads first) of the 10,000-task list.
    {
        let cs = cookies["10k"].clone();
        for &c in &conc {
            let cs = cs.clone();
            r.http(
                "SSR page GET /",
                "10k",
                vec![group("", c, move |w, _| {
                    let mut req = Req::get("/", Some(&cs[w]));
                    req.accept = "text/html";
                    req
                })],
            )
            .await;
        }
    }

    // 3. Diagnostic: the first page without compression (a client that sends no
    //    Accept-Encoding), at the middle concurrency.
    let mid_c = conc[conc.len() / 2];
    {
        let l = &lists[1];
        let path = list_path(&Scenario::First.query(l));
        let cs = cookies[l.label].clone();
        let saved = r.target.clone();
        r.target = Target::new(&r.config.addr, None)?;
        r.http(
            "first page, no compression",
            l.label,
            vec![group("", mid_c, move |w, _| {
                Req::get(path.clone(), Some(&cs[w]))
            })],
        )
        .await;
        r.target = saved;
    }

    // 3b. What one request costs the database, counted in committed transactions (the app
    //     runs each statement on its own): list page, SSR page (add and sign-in come later:
    //     sign-ins grow the server's memory, which the runs before them should not see).
    {
        let l = &lists[1];
        let path = list_path(&Scenario::First.query(l));
        let cs = cookies[l.label].clone();
        r.xacts_per_request(
            "GET /api/list_tasks (first page)",
            Arc::new(move |w, _| Req::get(path.clone(), Some(&cs[w]))),
            400,
            4,
        )
        .await?;
        let cs = cookies[l.label].clone();
        r.xacts_per_request(
            "GET / (server-rendered page)",
            Arc::new(move |w, _| {
                let mut req = Req::get("/", Some(&cs[w]));
                req.accept = "text/html";
                req
            }),
            200,
            4,
        )
        .await?;
    }

    // 4. Writes, each client a different person.
    let writers = Arc::new(writers);
    let due = r.db.one("select (current_date + 7)::text")?;
    for &c in &conc {
        let ws = writers.clone();
        let due = due.clone();
        r.http(
            "add",
            "",
            vec![group("", c, move |w, i| {
                add_task(&ws[w].cookie, &due, w, i)
            })],
        )
        .await;
    }
    {
        let ws = writers.clone();
        let due = due.clone();
        r.xacts_per_request(
            "POST /api/add_task",
            Arc::new(move |w, i| add_task(&ws[w].cookie, &due, w, 1_000_000 + i)),
            200,
            4,
        )
        .await?;
    }
    for &c in &conc {
        let ws = writers.clone();
        r.http(
            "toggle",
            "",
            vec![group("", c, move |w, i| {
                let ids = &ws[w].ids;
                let k = (i as usize) % ids.len();
                set_task_completed(
                    &ws[w].cookie,
                    ids[k],
                    (i as usize / ids.len()).is_multiple_of(2),
                )
            })],
        )
        .await;
    }
    for &c in &conc {
        let ws = writers.clone();
        let due = due.clone();
        r.http(
            "edit",
            "",
            vec![group("", c, move |w, i| {
                let ids = &ws[w].ids;
                update_task(&ws[w].cookie, &due, ids[(i as usize) % ids.len()], i)
            })],
        )
        .await;
    }
    {
        // Every client on the same person's list (one counts row for all of them).
        let rw_ids = Arc::new(rw_ids);
        let rw_cookies = Arc::new(rw_cookies.clone());
        r.http(
            "toggle, all on one person",
            "10k",
            vec![group("", max_c, move |w, i| {
                let k = (w * 7 + i as usize) % rw_ids.len();
                set_task_completed(&rw_cookies[w], rw_ids[k], i.is_multiple_of(2))
            })],
        )
        .await;
    }

    // 5. Sign-ins alone: one at a time (the cost of one), one per core, and a crowd.
    let password = r.config.password.clone();
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let sic = r.config.sign_in_concurrency;
    for c in [1, cores, sic] {
        let emails = small_emails.clone();
        let pw = password.clone();
        r.http(
            "sign-in alone",
            "",
            vec![group("", c, move |w, i| {
                sign_in_req(&emails[(w * 7919 + i as usize * 31) % emails.len()], &pw)
            })],
        )
        .await;
    }

    // 6. The list with and without sign-ins at full speed alongside.
    for c in [1, mid_c] {
        let l = &lists[1];
        let path = list_path(&Scenario::First.query(l));
        let cs = cookies[l.label].clone();
        let p2 = path.clone();
        let cs2 = cs.clone();
        r.http(
            "list alone",
            l.label,
            vec![group("list alone", c, move |w, _| {
                Req::get(path.clone(), Some(&cs[w]))
            })],
        )
        .await;
        let emails = small_emails.clone();
        let pw = password.clone();
        r.http(
            "list with sign-ins",
            l.label,
            vec![
                group("list with sign-ins", c, move |w, _| {
                    Req::get(p2.clone(), Some(&cs2[w]))
                }),
                group("sign-ins beside the list", sic, move |w, i| {
                    sign_in_req(&emails[(w * 7919 + i as usize * 31) % emails.len()], &pw)
                }),
            ],
        )
        .await;
    }

    {
        let emails = small_emails.clone();
        let pw = r.config.password.clone();
        r.xacts_per_request(
            "POST /api/sign_in",
            Arc::new(move |w, i| {
                sign_in_req(
                    &emails[(w * 7919 + i as usize * 31 + 17) % emails.len()],
                    &pw,
                )
            }),
            40,
            2,
        )
        .await?;
    }

    // 7. Live updates. (a) Adds with the NOTIFY triggers disabled, then enabled with one
    //    open stream per writing person (each add's event is delivered to that stream).
    let notify_triggers = [
        "tasks_notify_insert",
        "tasks_notify_update",
        "tasks_notify_delete",
    ];
    let set_triggers = |db: &Db, on: bool| -> Result<()> {
        for t in notify_triggers {
            db.query(&format!(
                "alter table tasks {} trigger {t}",
                if on { "enable" } else { "disable" }
            ))?;
        }
        Ok(())
    };
    let mut notify = Vec::new();
    for &c in &conc {
        set_triggers(&r.db, false)?;
        let ws = writers.clone();
        let d = due.clone();
        let off = r
            .http(
                "add, no NOTIFY",
                "",
                vec![group("", c, move |w, i| {
                    add_task(&ws[w].cookie, &d, w, 2_000_000 + i)
                })],
            )
            .await;
        set_triggers(&r.db, true)?;
        let cookies: Vec<String> = writers[..c].iter().map(|w| w.cookie.clone()).collect();
        let streams = live::Streams::open(&r.target, &cookies).await?;
        let ws = writers.clone();
        let d = due.clone();
        let on = r
            .http(
                "add, NOTIFY + a stream per writer",
                "",
                vec![group("", c, move |w, i| {
                    add_task(&ws[w].cookie, &d, w, 3_000_000 + i)
                })],
            )
            .await;
        streams.close().await;
        notify.push((c, off[0].clone(), on[0].clone()));
    }

    // (b) 1,000 streams of one person (one session, as 1,000 tabs would be), then one stream
    //     each of 1,000 people: the server's memory with them open, and the time from a
    //     write's answer to its event on each.
    let n_streams = 1000;
    let mut memory = Vec::new();
    let mut fan_outs = Vec::new();
    {
        let cookies = vec![rw_cookies[0].clone(); n_streams];
        let writes = (0..20)
            .map(|i| add_task(&rw_cookies[1], &due, 0, 4_000_000 + i))
            .collect();
        let (m, f) = live::measure(
            &r.target,
            &r.probe,
            "1,000 streams of one person",
            &cookies,
            writes,
            n_streams,
        )
        .await?;
        memory.push(m);
        fan_outs.push(("1,000 streams of one person, 20 writes".to_owned(), f));
    }
    {
        eprintln!("signing in {n_streams} people for one stream each");
        let people: Vec<String> = small_emails.iter().take(n_streams).cloned().collect();
        if people.len() < n_streams {
            bail!(
                "only {} small users; seed at least {n_streams} (BENCH_SMALL_USERS)",
                people.len()
            );
        }
        let mut signing = tokio::task::JoinSet::new();
        for (k, chunk) in people.chunks(n_streams.div_ceil(8)).enumerate() {
            let target = r.target.clone();
            let chunk = chunk.to_vec();
            let pw = r.config.password.clone();
            signing.spawn(async move {
                let mut conn = Conn::new(&target);
                let mut out = Vec::new();
                for email in &chunk {
                    out.push(sign_in(&mut conn, email, &pw).await?);
                }
                Ok::<_, anyhow::Error>((k, out))
            });
        }
        let mut chunks = Vec::new();
        while let Some(done) = signing.join_next().await {
            chunks.push(done??);
        }
        chunks.sort_by_key(|(k, _)| *k);
        let cookies: Vec<String> = chunks.into_iter().flat_map(|(_, c)| c).collect();
        let writes = cookies
            .iter()
            .enumerate()
            .map(|(k, c)| add_task(c, &due, k, 5_000_000))
            .collect();
        let (m, f) = live::measure(
            &r.target,
            &r.probe,
            "one stream each of 1,000 people",
            &cookies,
            writes,
            1,
        )
        .await?;
        memory.push(m);
        fan_outs.push((
            "one stream each of 1,000 people, one write each".to_owned(),
            f,
        ));
    }
    let live = LiveResults {
        notify,
        memory,
        fan_out: fan_outs,
        per_user_limit: env::var("LIVE_MAX_STREAMS_PER_USER").unwrap_or_else(|_| "20".into()),
    };

    // 8. The JSON API beside the server functions, the same SQL behind each pair: the list's
    //    first page (the 10,000-task person; one token for all clients, as the server
    //    functions' clients are sessions of that one person) and adds (each client a different
    //    person, with a token of their own). At each concurrency the runs go server function,
    //    API, API, server function, so that a drift of the machine during them (autovacuum
    //    after the writes before, a checkpoint) weighs on both sides alike.
    let mut pairs = Vec::new();
    {
        let l = &lists[1];
        let token = api::token(&r.target, &cookies[l.label][0]).await?;
        let path = list_path(&Scenario::First.query(l));
        let mut tokens = Vec::new();
        for w in writers.iter() {
            tokens.push(api::token(&r.target, &w.cookie).await?);
        }
        let tokens = Arc::new(tokens);
        for what in ["first page of the list", "add"] {
            for &c in &conc {
                let make = |api_side: bool, round: u64| -> (String, &str, Group) {
                    let base = 6_000_000 + round * 1_000_000 + if api_side { 500_000 } else { 0 };
                    match (what, api_side) {
                        ("add", false) => {
                            let ws = writers.clone();
                            let d = due.clone();
                            (
                                "add, server function".into(),
                                "",
                                group("", c, move |w, i| add_task(&ws[w].cookie, &d, w, base + i)),
                            )
                        }
                        ("add", true) => {
                            let ts = tokens.clone();
                            let d = due.clone();
                            (
                                "add, JSON API".into(),
                                "",
                                group("", c, move |w, i| api::create(&ts[w], &d, w, base + i)),
                            )
                        }
                        (_, false) => {
                            let cs = cookies[l.label].clone();
                            let p = path.clone();
                            (
                                "list, server function".into(),
                                l.label,
                                group("", c, move |w, _| Req::get(p.clone(), Some(&cs[w]))),
                            )
                        }
                        (_, true) => {
                            let t = token.clone();
                            (
                                "list, JSON API".into(),
                                l.label,
                                group("", c, move |_, _| {
                                    Req::api("/api/v1/tasks?limit=50", &t, None)
                                }),
                            )
                        }
                    }
                };
                let mut fns = Vec::new();
                let mut apis = Vec::new();
                for (round, api_side) in [false, true, true, false].into_iter().enumerate() {
                    let (scenario, size, g) = make(api_side, round as u64);
                    let row = r.http(&scenario, size, vec![g]).await.remove(0);
                    if api_side {
                        apis.push(row)
                    } else {
                        fns.push(row)
                    }
                }
                pairs.push((what.to_owned(), fns, apis));
            }
        }
    }
    // The export of the 100,000-task person: three runs of each.
    let mut exports = Vec::new();
    {
        let l = &lists[2];
        let token = api::token(&r.target, &cookies[l.label][0]).await?;
        let plain = Target::new(&r.config.addr, None)?;
        let pid = r.probe.server_pid;
        for (what, target, path) in [
            ("JSON, uncompressed", &plain, "/api/v1/export?format=json"),
            ("JSON, gzip", &r.target, "/api/v1/export?format=json"),
            ("CSV, uncompressed", &plain, "/api/v1/export?format=csv"),
        ] {
            exports.push(api::export(target, pid, what, path, &token, l.tasks, 3).await?);
        }
    }
    // That export imported back into an empty account.
    let import = {
        let l = &lists[2];
        let token = api::token(&r.target, &cookies[l.label][0]).await?;
        let plain = Target::new(&r.config.addr, None)?;
        let file = Conn::new(&plain)
            .send(&Req::api("/api/v1/export?format=json", &token, None))
            .await?
            .text();
        api::import(&plain, r.probe.server_pid, &r.config.password, file).await?
    };
    let api = api::ApiResults {
        pairs,
        exports,
        import,
    };

    let (_, rss_hwm_kb) = r.probe.server_rss_kb();
    let results = Results {
        api,
        rows: r.rows,
        lists,
        argon2_ms,
        drift,
        machine,
        data,
        rss_idle_kb,
        rss_hwm_kb,
        started,
        plans,
        xacts: r.xact_rows,
        settings,
        live,
    };
    let text = report::render(&r.config, &results);
    std::fs::write(&r.config.out, text)?;
    eprintln!(
        "wrote {} ({:.0} s)",
        r.config.out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// A file-name-safe form of a label.
pub fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_owned()
}

/// (median, min) milliseconds of one argon2 verify of `password` against `hash`.
fn argon2_cost(hash: &str, password: &str) -> Result<(f64, f64)> {
    use argon2::{password_hash::PasswordHash, Argon2, PasswordVerifier};
    let parsed = PasswordHash::new(hash).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut times = Vec::new();
    for _ in 0..15 {
        let t = Instant::now();
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .map_err(|e| anyhow::anyhow!("the benchmark password does not verify: {e}"))?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    Ok((times[times.len() / 2], times[0]))
}
