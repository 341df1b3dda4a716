//! bench/RESULTS.md: the machine, the command, the tables and a reading of each target.

use std::{fmt::Write as _, fs, process::Command};

use anyhow::Result;

use crate::{pg::Db, Config, Results, Row, Scenario};

pub struct Machine {
    pub date: String,
    pub nproc: usize,
    pub cpu: String,
    pub mem_gib: f64,
    pub kernel: String,
    pub postgres: String,
    pub pg_settings: String,
    pub commit: String,
}

fn sh(cmd: &str, args: &[&str]) -> String {
    Command::new(cmd)
        .args(args)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

impl Machine {
    pub fn collect(config: &Config, db: &Db) -> Result<Self> {
        let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find(|l| l.starts_with("model name"))
            .and_then(|l| l.split_once(':'))
            .map_or("unknown".to_owned(), |(_, v)| v.trim().to_owned());
        let mem_kb: f64 = fs::read_to_string("/proc/meminfo")
            .unwrap_or_default()
            .lines()
            .find(|l| l.starts_with("MemTotal:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0);
        let root = config.root.to_string_lossy().into_owned();
        let head = sh("git", &["-C", &root, "rev-parse", "--short", "HEAD"]);
        let dirty = sh(
            "git",
            &[
                "-C",
                &root,
                "status",
                "--porcelain",
                "--",
                "src",
                "migrations",
                "Cargo.toml",
                "Cargo.lock",
            ],
        );
        let commit = if dirty.is_empty() {
            head
        } else {
            format!(
                "{head} plus uncommitted changes to {} file(s) under src/, migrations/ or Cargo.*",
                dirty.lines().count()
            )
        };
        Ok(Self {
            date: sh("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
            nproc: sh("nproc", &[]).parse().unwrap_or(0),
            cpu,
            mem_gib: mem_kb / 1024.0 / 1024.0,
            kernel: sh("uname", &["-sr"]),
            postgres: db.one("show server_version")?,
            pg_settings: db
                .rows(
                    "select name || ' ' || setting || coalesce(unit, '') from pg_settings
                     where name in ('shared_buffers', 'fsync', 'synchronous_commit', 'max_connections', 'jit')
                     order by name",
                )?
                .into_iter()
                .map(|r| r[0].clone())
                .collect::<Vec<_>>()
                .join(", "),
            commit,
        })
    }
}

pub fn data_summary(db: &Db) -> Result<Vec<(String, String)>> {
    let mut out = vec![
        ("people".to_owned(), db.one("select count(*) from users")?),
        ("tasks".to_owned(), db.one("select count(*) from tasks")?),
        (
            "tasks of the small users (median / max per person)".to_owned(),
            db.one(
                "select percentile_disc(0.5) within group (order by n) || ' / ' || max(n) from (
                   select count(t.id) n from users u left join tasks t on t.user_id = u.id
                   where u.email like 'bench-small-%' group by u.id) s",
            )?,
        ),
    ];
    let has = |sql: &str| db.one(sql).map(|v| v == "t");
    if has("select exists (select 1 from information_schema.columns where table_name = 'tasks' and column_name = 'priority')")? {
        out.push((
            "priority none/low/medium/high".to_owned(),
            db.one("select string_agg(n::text, ' / ' order by priority) from (select priority, count(*) n from tasks group by priority) s")?,
        ));
        out.push((
            "tasks with a due date".to_owned(),
            db.one("select round(100.0 * count(due_date) / count(*)) || '%' from tasks")?,
        ));
    }
    if has(
        "select exists (select 1 from information_schema.tables where table_name = 'task_tags')",
    )? {
        out.push((
            "tags / task-tag links".to_owned(),
            db.one(
                "select (select count(*) from tags) || ' / ' || (select count(*) from task_tags)",
            )?,
        ));
    }
    Ok(out)
}

/// EXPLAIN ANALYZE of each statement of a pgbench script, its variables written in as
/// literals (so these are custom plans; the app's prepared statements may use a generic one).
pub fn explain(
    db: &Db,
    settings: &[(String, String)],
    script: &str,
    defines: &[String],
) -> Result<String> {
    let mut out = String::new();
    for stmt in script.split(";\n").map(str::trim).filter(|s| !s.is_empty()) {
        let body: String = stmt
            .lines()
            .filter(|l| !l.trim_start().starts_with("--"))
            .collect::<Vec<_>>()
            .join("\n");
        if body.trim().is_empty() {
            continue;
        }
        let mut sql = body.replace(":bench_null", "'null'");
        for d in defines {
            if let Some((name, value)) = d.split_once('=') {
                sql = sql.replace(
                    &format!("(:{name})"),
                    &format!("('{}')", value.replace('\'', "''")),
                );
            }
        }
        let name = stmt
            .lines()
            .find_map(|l| l.trim().strip_prefix("-- "))
            .unwrap_or("statement");
        let plan = db.query_with(
            &format!("explain (analyze, buffers, costs off) {sql}"),
            settings,
        )?;
        let _ = writeln!(out, "-- {name}\n{plan}\n");
    }
    Ok(out)
}

fn f1(v: f64) -> String {
    if v.is_nan() {
        "–".into()
    } else if v >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

fn ms(v: f64) -> String {
    if v.is_nan() {
        "–".into()
    } else if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

fn pct(v: f64) -> String {
    format!("{:.0}%", v * 100.0)
}

fn mib(kb: u64) -> String {
    format!("{:.0} MiB", kb as f64 / 1024.0)
}

fn find<'a>(rows: &'a [Row], kind: &str, scenario: &str, size: &str, c: usize) -> Option<&'a Row> {
    rows.iter().find(|r| {
        r.kind == kind && r.scenario == scenario && r.size == size && r.m.concurrency == c
    })
}

fn cpu(r: &Row) -> String {
    let (s, p, c) = r.cpu_ms();
    if r.kind == "http" {
        format!("{} / {} / {}", ms(s), ms(p), ms(c))
    } else {
        format!("– / {} / {}", ms(p), ms(c))
    }
}

fn errors(r: &Row) -> String {
    if r.logged_errors > 0 {
        format!("{} (server logged {})", r.m.errors, r.logged_errors)
    } else {
        r.m.errors.to_string()
    }
}

fn http_line(out: &mut String, r: &Row, what: &str) {
    let _ = writeln!(
        out,
        "| {what} | {} | {} | {} | {} | {} | {} | {} |",
        r.m.concurrency,
        f1(r.m.rps()),
        ms(r.m.ms(0.5)),
        ms(r.m.ms(0.99)),
        errors(r),
        mib(r.u.server_rss_kb),
        cpu(r)
    );
}

pub fn render(config: &Config, res: &Results) -> String {
    let rows = &res.rows;
    let conc = &config.concurrency;
    let mut o = String::new();
    let m = &res.machine;
    let w = |o: &mut String, s: &str| {
        o.push_str(s);
        o.push('\n');
    };

    w(&mut o, "# Benchmark results\n");
    w(
        &mut o,
        &format!(
            "Written by `{}` on {}; every number below comes from that run (run it again to \
         refresh this file; do not edit it by hand). Method and how to read the tables: the \
         \"Benchmark\" section of the README.\n",
            config.command, m.date
        ),
    );

    // ---------------------------------------------------------------- machine
    w(&mut o, "## Machine, software, command\n");
    w(&mut o, "| | |\n|---|---|");
    w(&mut o, &format!("| command | `{}` |", config.command));
    w(&mut o, &format!("| date | {} |", m.date));
    w(
        &mut o,
        &format!(
            "| machine | {} × {} (`nproc` = {}), {:.0} GiB RAM, {} |",
            m.nproc, m.cpu, m.nproc, m.mem_gib, m.kernel
        ),
    );
    w(
        &mut o,
        &format!(
            "| PostgreSQL | {} (project-local cluster, Unix socket; {}) |",
            m.postgres, m.pg_settings
        ),
    );
    w(
        &mut o,
        &format!(
            "| app | `target/release/tasklist` built from {} |",
            m.commit
        ),
    );
    w(&mut o, &format!(
        "| load | closed loop over loopback (127.0.0.1), one keep-alive connection and one signed-in session per client; \
         {} s warm-up then {} s measured per run; `Accept-Encoding: {}` (as a browser sends); \
         the load generator and pgbench are single-threaded and share the {} cores with the server and PostgreSQL |",
        config.warmup,
        config.window,
        config.accept_encoding.as_deref().unwrap_or("(none)"),
        m.nproc
    ));
    if let Some(b) = &config.build_seconds {
        w(
            &mut o,
            &format!("| build (cargo leptos build --release + load generator) | {b} s |"),
        );
    }
    if let Some(s) = &config.seed_seconds {
        w(&mut o, &format!("| seeding (bench/seed.sql) | {s} s |"));
    }
    w(
        &mut o,
        &format!(
            "| whole measurement | {:.0} s |",
            res.started.elapsed().as_secs_f64()
        ),
    );
    w(
        &mut o,
        &format!(
            "| server memory | RSS {} idle after start; peak (VmHWM) {} over the whole run |",
            mib(res.rss_idle_kb),
            mib(res.rss_hwm_kb)
        ),
    );
    let shares: Vec<f64> = rows.iter().map(|r| r.other_share(m.nproc)).collect();
    let mean = shares.iter().sum::<f64>() / shares.len().max(1) as f64;
    let worst = shares.iter().copied().fold(0.0, f64::max);
    let disturbed: Vec<String> = rows
        .iter()
        .filter(|r| r.other_share(m.nproc) > 0.10)
        .map(|r| {
            format!(
                "{} {} c={} ({})",
                r.scenario,
                r.size,
                r.m.concurrency,
                pct(r.other_share(m.nproc))
            )
        })
        .collect();
    w(&mut o, &format!(
        "| other processes | used {} of the machine on average during the measured windows, {} at most{} |",
        pct(mean),
        pct(worst),
        if disturbed.is_empty() {
            " (a quiet machine)".to_owned()
        } else {
            format!("; **runs disturbed by more than 10%**: {}", disturbed.join(", "))
        }
    ));
    if !res.settings.is_empty() {
        w(&mut o, &format!(
            "| pgbench session settings | `{}` (as the app's pool sets them; from bench/pgbench/list.sql) |",
            crate::pg::pgoptions(&res.settings)
        ));
    }
    if res.drift.is_empty() {
        w(&mut o, "| pgbench SQL | `bench/pgbench/list.sql` matches the app's statements in `.sqlx/` (checked at the start of the run) |");
    } else {
        w(&mut o, &format!(
            "| pgbench SQL | **OUT OF DATE**: not among the app's statements in `.sqlx/`: {} — the SQL rows below are not the app's current queries |",
            res.drift.join(", ")
        ));
    }
    w(&mut o, "");

    w(&mut o, "Data set (bench/seed.sql):\n");
    w(&mut o, "| | |\n|---|---|");
    for (k, v) in &res.data {
        w(&mut o, &format!("| {k} | {v} |"));
    }
    for l in &res.lists {
        w(&mut o, &format!(
            "| {} | {} tasks ({} done); \"{}\" matches {} active tasks; first page {} B of JSON ({} B as sent compressed) |",
            l.email, l.tasks, l.completed, crate::SEARCH_TERM, l.search_matches, l.first_page_bytes.1, l.first_page_bytes.0
        ));
    }
    w(&mut o, "");

    // ---------------------------------------------------------------- targets
    let first = Scenario::First.title();
    let ten = |c: usize| {
        Some((
            find(rows, "http", first, "10k", c)?,
            find(rows, "sql", first, "10k", c)?,
        ))
    };
    let ratios: Vec<(usize, f64, f64, f64)> = conc
        .iter()
        .filter_map(|&c| ten(c).map(|(a, s)| (c, a.m.rps() / s.m.rps(), a.m.rps(), s.m.rps())))
        .collect();
    let t1_met = !ratios.is_empty() && ratios.iter().all(|r| r.1 >= 0.5);

    let c_low = conc[0];
    let growth: Vec<(&str, f64, f64, f64)> = Scenario::ALL
        .iter()
        .filter_map(|s| {
            let a = find(rows, "http", s.title(), "100", c_low)?.m.ms(0.5);
            let b = find(rows, "http", s.title(), "10k", c_low)?.m.ms(0.5);
            let z = find(rows, "http", s.title(), "100k", c_low)?.m.ms(0.5);
            Some((s.title(), a, b, z))
        })
        .collect();
    let t2_first = growth.first().map(|g| g.3 / g.1).unwrap_or(f64::NAN);
    let t2_all_met = growth.iter().all(|g| g.3 / g.1 <= 1.5);

    // (clients, p99 alone, p99 with sign-ins, sign-ins/s, p50 alone, p50 with, sign-ins
    // turned away busy per second)
    let starvation: Vec<(usize, f64, f64, f64, f64, f64, f64)> = rows
        .iter()
        .filter(|r| r.scenario == "list alone")
        .filter_map(|alone| {
            let c = alone.m.concurrency;
            let with = rows
                .iter()
                .find(|r| r.scenario == "list with sign-ins" && r.m.concurrency == c)?;
            let si = rows.iter().find(|r| {
                r.scenario == "sign-ins beside the list" && r.u.seconds == with.u.seconds
            })?;
            Some((
                c,
                alone.m.ms(0.99),
                with.m.ms(0.99),
                si.m.rps(),
                alone.m.ms(0.5),
                with.m.ms(0.5),
                si.m.errors as f64 / si.m.seconds,
            ))
        })
        .collect();
    let t3_met = !starvation.is_empty() && starvation.iter().all(|s| s.2 / s.1 <= 3.0);
    let verdict = |met: bool| if met { "**met**" } else { "**missed**" };

    w(&mut o, "## Targets\n");
    w(
        &mut o,
        "Ratios on this machine in this run, as the issue asks.\n",
    );
    w(&mut o, "| target | measured | verdict |\n|---|---|---|");
    w(&mut o, &format!(
        "| first page of a 10,000-task list ≥ 50% of the throughput of its SQL under pgbench at the same concurrency | {} | {} |",
        ratios
            .iter()
            .map(|(c, r, a, s)| format!("c={c}: {} ({}/s vs {}/s)", pct(*r), f1(*a), f1(*s)))
            .collect::<Vec<_>>()
            .join("; "),
        verdict(t1_met)
    ));
    w(&mut o, &format!(
        "| p50 of a list page at 100,000 tasks within 1.5× of the same at 100 tasks (c={c_low}) | {} | {} |",
        growth
            .iter()
            .map(|(t, a, _, z)| format!("{t}: {:.2}× ({} ms vs {} ms)", z / a, ms(*z), ms(*a)))
            .collect::<Vec<_>>()
            .join("; "),
        if t2_all_met {
            verdict(true).to_owned()
        } else if t2_first <= 1.5 {
            "**met** for the first page, **missed** for another page (see below)".to_owned()
        } else {
            verdict(false).to_owned()
        }
    ));
    w(&mut o, &format!(
        "| list p99 with {} concurrent sign-ins running within 3× of the same without them (first page, 10,000 tasks) | {} | {} |",
        config.sign_in_concurrency,
        starvation
            .iter()
            .map(|(c, a, b, si, _, _, _)| format!("c={c}: {:.2}× ({} ms vs {} ms; {} sign-ins/s alongside)", b / a, ms(*b), ms(*a), f1(*si)))
            .collect::<Vec<_>>()
            .join("; "),
        verdict(t3_met)
    ));
    w(&mut o, "");

    // ---------------------------------------------------------------- reading
    w(&mut o, "### Reading\n");
    if let Some((c, r, _, _)) = ratios
        .iter()
        .find(|r| r.0 == conc[conc.len() / 2])
        .or(ratios.first())
    {
        let app = ten(*c).unwrap().0;
        let sql = ten(*c).unwrap().1;
        let (s, p, l) = app.cpu_ms();
        let (_, sp, sl) = sql.cpu_ms();
        let app_total = s + p + l;
        let sql_total = sp + sl;
        w(&mut o, &format!(
            "- **App vs. SQL** ({}): at c={c} the app serves {} of the SQL's rate. Both are CPU-bound on {} cores, so \
             the ratio follows the CPU each request costs: an app request costs {} ms of CPU in all \
             (server {} + PostgreSQL {} + load generator {}), a pgbench transaction {} ms (PostgreSQL {} + pgbench {}). \
             PostgreSQL spends {:.1}× as much per app request as per bare transaction: {} The server's own share is \
             the HTTP, session, JSON and compression work of an axum/Leptos request (compression alone: see the \
             no-compression row below).",
            verdict(t1_met).trim_matches('*'),
            pct(*r),
            m.nproc,
            ms(app_total), ms(s), ms(p), ms(l),
            ms(sql_total), ms(sp), ms(sl),
            p / sp.max(1e-9),
            match res.xacts.iter().find(|x| x.0.starts_with("GET /api/list_tasks")) {
                Some((_, per, _)) => format!(
                    "it runs {per:.1} statements per request (measured, see \"What a request costs the database\") \
                     against the 1 of the pgbench script: besides `tasks_page` (the page and its counts in one \
                     statement), every request loads its session, which reads the person's row in the same \
                     statement; each is a round trip and an execution of its own (both prepared once per connection)."
                ),
                None => "besides `tasks_page`, every request loads its session (with the person's row).".to_owned(),
            }
        ));
    }
    if let Some(g) = growth.first() {
        let sql_g: Vec<f64> = ["100", "10k", "100k"]
            .iter()
            .filter_map(|z| find(rows, "sql", first, z, c_low).map(|r| r.m.ms(0.5)))
            .collect();
        w(&mut o, &format!(
            "- **Growth** (first page, c={c_low}): p50 {} ms at 100 tasks, {} ms at 10,000, {} ms at 100,000 \
             ({:.2}× from 100 to 100,000){}. See \"How the cost grows\" for every page.",
            ms(g.1), ms(g.2), ms(g.3), g.3 / g.1,
            if sql_g.len() == 3 {
                format!("; the bare SQL: {} / {} / {} ms", ms(sql_g[0]), ms(sql_g[1]), ms(sql_g[2]))
            } else {
                String::new()
            }
        ));
        for (t, a, b, z) in growth.iter().skip(1) {
            if z / a > 1.5 {
                let sql: Vec<String> = ["100", "10k", "100k"]
                    .iter()
                    .map(|size| {
                        find(rows, "sql", t, size, c_low)
                            .map_or("–".to_owned(), |r| ms(r.m.ms(0.5)))
                    })
                    .collect();
                w(&mut o, &format!(
                    "- **Growth missed for \"{t}\"**: p50 {} ms at 100 tasks, {} ms at 10,000, {} ms at 100,000 ({:.2}× \
                     from 100 to 100,000); the bare SQL: {} ms. The SQL sets the pace: which index PostgreSQL picks \
                     for this page depends on the person's data (see \"Plans\" at the end for each list).",
                    ms(*a), ms(*b), ms(*z), z / a, sql.join(" / ")
                ));
            }
        }
    }
    for (c, a, b, si, p50a, p50b, busy) in &starvation {
        let met = b / a <= 3.0;
        w(&mut o, &format!(
            "- **Sign-ins beside the list** (c={c}, {}): with {} clients signing in as fast as they can ({} sign-ins/s \
             checked, {} /s turned away with 503 and `Retry-After`, after which each such client waits as told), \
             the list's p50 goes from {} to {} ms and its p99 from {} to {} ms ({:.2}×). Password work runs on \
             `PASSWORD_HASH_THREADS` threads of its own (default: one fewer than the {} cores, at least one), at \
             nice 10 with a 0.1 ms time slice, each reusing one argon2 memory block, so a core is always left to everything else; at most \
             `PASSWORD_HASH_QUEUE` more checks wait and the rest are refused at once, before anything is counted. {}",
            if met { "met" } else { "missed" },
            config.sign_in_concurrency, f1(*si), f1(*busy), ms(*p50a), ms(*p50b), ms(*a), ms(*b), b / a, m.nproc,
            if met {
                "The list still shares the machine with those hashes and PostgreSQL, which its p50 and p99 show."
            } else {
                "The list still waits for a core behind the hashing thread and the sign-ins' PostgreSQL work; one \
                 request at a time has no other work to overlap that wait with, so it shows in the p99."
            }
        ));
    }
    let ssr_logged: usize = rows
        .iter()
        .filter(|r| r.scenario == "SSR page GET /")
        .map(|r| r.logged_errors)
        .sum();
    if ssr_logged > 0 {
        let ssr_requests: f64 = rows
            .iter()
            .filter(|r| r.scenario == "SSR page GET /")
            .map(|r| r.m.rps() * (config.warmup + config.window) as f64)
            .sum();
        w(&mut o, &format!(
            "- **Server-rendered page**: while `GET /` was loaded (about {:.0} requests, all answered 200) the server \
             logged {ssr_logged} ERROR lines (see \"Errors\"): some renders run a server function without the \
             app state in its Leptos context, and the page then carries `{{\"Err\":\"Internal\"}}` for that \
             resource in its hydration data.",
            ssr_requests
        ));
    }
    w(&mut o, "");

    // ---------------------------------------------------------------- sign-in
    w(&mut o, "## What a sign-in costs\n");
    w(&mut o, &format!(
        "- argon2id verify at the app's parameters (m = 19456 KiB, t = 2, p = 1), one core, measured in the load \
         generator against the stored hash: **{} ms** median (fastest {} ms). A sign-in is one verify (a sign-up one hash).",
        ms(res.argon2_ms.0),
        ms(res.argon2_ms.1)
    ));
    let alone: Vec<&Row> = rows
        .iter()
        .filter(|r| r.scenario == "sign-in alone")
        .collect();
    if let Some(one) = alone.first() {
        let (s, p, _) = one.cpu_ms();
        let (faults, sys) = one.faults_and_sys();
        w(&mut o, &format!(
            "- one sign-in end to end, nothing else running: p50 **{} ms** (argon2 plus the throttle, credential and \
             session statements). It costs the server {} ms of CPU, {} ms of it in the kernel, with {:.0} page faults, \
             and PostgreSQL {} ms.",
            ms(one.m.ms(0.5)),
            ms(s),
            ms(sys),
            faults,
            ms(p)
        ));
    }
    if let Some(best) = alone.iter().max_by(|a, b| a.m.rps().total_cmp(&b.m.rps())) {
        w(&mut o, &format!(
            "- the most sign-ins per second the server sustained: **{}/s** (at c={}), against a ceiling of {} \
             cores ÷ {} ms = {:.0}/s for argon2 alone.",
            f1(best.m.rps()),
            best.m.concurrency,
            m.nproc,
            ms(res.argon2_ms.0),
            m.nproc as f64 * 1000.0 / res.argon2_ms.0
        ));
    }
    if let Some(s) = starvation.last() {
        w(&mut o, &format!(
            "- with the list being read at c={} at the same time: {}/s sign-ins while the list's p99 stayed at {} ms \
             (against {} ms without sign-ins).",
            s.0, f1(s.3), ms(s.2), ms(s.1)
        ));
    }
    if let Some(first_si) = rows.iter().position(|r| r.scenario == "sign-in alone") {
        let before = rows[..first_si]
            .iter()
            .map(|r| r.u.server_rss_kb)
            .max()
            .unwrap_or(0);
        let after = rows[first_si..]
            .iter()
            .map(|r| r.u.server_rss_kb)
            .max()
            .unwrap_or(0);
        w(&mut o, &format!(
            "- server memory: RSS at most {} through every run before the first sign-in run, {} from the sign-in \
             runs on (each password thread allocates its 19 MiB argon2 block once and reuses it).",
            mib(before),
            mib(after)
        ));
    }
    w(&mut o, "");
    w(&mut o, "| run | c | req/s | p50 ms | p99 ms | errors | server RSS | CPU ms/req server / PG / client | server kernel CPU ms/req | server page faults/req |");
    w(&mut o, "|---|---|---|---|---|---|---|---|---|---|");
    for r in rows.iter().filter(|r| {
        matches!(
            r.scenario.as_str(),
            "sign-in alone" | "list alone" | "list with sign-ins" | "sign-ins beside the list"
        )
    }) {
        let what = if r.size.is_empty() {
            r.scenario.clone()
        } else {
            format!("{} ({} tasks)", r.scenario, r.size)
        };
        let mut line = String::new();
        http_line(&mut line, r, &what);
        let (faults, sys) = r.faults_and_sys();
        w(
            &mut o,
            &format!("{} {} | {:.0} |", line.trim_end(), ms(sys), faults),
        );
    }
    w(&mut o, "\nIn the runs with sign-ins beside the list, RSS, CPU and page faults are for both groups together \
               (per request of that row's group). A page fault here is the kernel handing the server a fresh zeroed \
               4 KiB page; an argon2 block is 19 MiB, about 4,900 pages.\n");

    // ---------------------------------------------------------------- xacts
    if !res.xacts.is_empty() {
        w(&mut o, "## What a request costs the database\n");
        w(&mut o, "Committed transactions of the benchmark database (`pg_stat_database`) per request, counted over a \
                   fixed number of requests once every backend had flushed its statistics. The app runs each statement \
                   as its own transaction except for the writes that must be all or nothing (add and edit: one \
                   transaction of several statements), so for reads this is statements (and round trips) per request; \
                   the pgbench script of the list runs 1.\n");
        w(
            &mut o,
            "| request | transactions per request | requests |\n|---|---|---|",
        );
        for (what, per, n) in &res.xacts {
            w(&mut o, &format!("| `{what}` | {per:.2} | {n} |"));
        }
        w(&mut o, "");
    }

    // ---------------------------------------------------------------- list
    w(&mut o, "## The list: app against its SQL\n");
    w(&mut o, "`app` is `GET /api/list_tasks` (JSON, what the hydrated page fetches) with a signed-in session; `SQL` is \
               the list query plus the counts query from `bench/pgbench/list.sql` under pgbench (one connection per client; \
               `-M prepared` for the pages the app runs as prepared statements, `-M extended` for the searched page, \
               which the app sends unnamed to be planned for its values), for the same person and values. CPU columns: milliseconds of CPU per request \
               spent by the server / PostgreSQL / the load generator (pgbench for SQL rows).\n");
    w(&mut o, "| page | tasks | c | app req/s | SQL tx/s | app ÷ SQL | app p50 ms | SQL p50 ms | app p99 ms | SQL p99 ms | server RSS | app CPU ms/req | SQL CPU ms/tx |");
    w(
        &mut o,
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    );
    for s in Scenario::ALL {
        for l in &res.lists {
            for &c in conc {
                let (Some(a), Some(q)) = (
                    find(rows, "http", s.title(), l.label, c),
                    find(rows, "sql", s.title(), l.label, c),
                ) else {
                    continue;
                };
                w(
                    &mut o,
                    &format!(
                        "| {} | {} | {c} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |{}",
                        s.title(),
                        l.tasks,
                        f1(a.m.rps()),
                        f1(q.m.rps()),
                        pct(a.m.rps() / q.m.rps()),
                        ms(a.m.ms(0.5)),
                        ms(q.m.ms(0.5)),
                        ms(a.m.ms(0.99)),
                        ms(q.m.ms(0.99)),
                        mib(a.u.server_rss_kb),
                        cpu(a),
                        cpu(q),
                        if a.m.errors + q.m.errors > 0 || a.logged_errors > 0 {
                            format!(" errors: app {}, SQL {}", errors(a), q.m.errors)
                        } else {
                            String::new()
                        }
                    ),
                );
            }
        }
    }
    w(&mut o, "");

    // ---------------------------------------------------------------- growth
    w(&mut o, "## How the cost grows with the list\n");
    w(&mut o, &format!("p50 in milliseconds at c={c_low} (one request at a time: no queueing), app and bare SQL.\n"));
    w(&mut o, "| page | app 100 | app 10,000 | app 100,000 | app 100k ÷ 100 | SQL 100 | SQL 10,000 | SQL 100,000 | SQL 100k ÷ 100 |");
    w(&mut o, "|---|---|---|---|---|---|---|---|---|");
    for s in Scenario::ALL {
        let get = |kind: &str, z: &str| {
            find(rows, kind, s.title(), z, c_low).map_or(f64::NAN, |r| r.m.ms(0.5))
        };
        let (a0, a1, a2) = (get("http", "100"), get("http", "10k"), get("http", "100k"));
        let (q0, q1, q2) = (get("sql", "100"), get("sql", "10k"), get("sql", "100k"));
        w(
            &mut o,
            &format!(
                "| {} | {} | {} | {} | {:.2}× | {} | {} | {} | {:.2}× |",
                s.title(),
                ms(a0),
                ms(a1),
                ms(a2),
                a2 / a0,
                ms(q0),
                ms(q1),
                ms(q2),
                q2 / q0
            ),
        );
    }
    w(&mut o, "");

    // ---------------------------------------------------------------- other pages
    w(&mut o, "## Writes, the server-rendered page, diagnostics\n");
    w(&mut o, "Writes: each client is a different person (a small user with 60+ tasks) acting on their own tasks, \
               except in the \"all on one person\" run. The SSR page is `GET /` of the 10,000-task person, the full \
               HTML a browser loads first.\n");
    w(&mut o, "| run | c | req/s | p50 ms | p99 ms | errors | server RSS | CPU ms/req server / PG / client |");
    w(&mut o, "|---|---|---|---|---|---|---|---|");
    for r in rows.iter().filter(|r| {
        matches!(
            r.scenario.as_str(),
            "add"
                | "toggle"
                | "edit"
                | "toggle, all on one person"
                | "SSR page GET /"
                | "first page, no compression"
        )
    }) {
        let what = if r.size.is_empty() {
            r.scenario.clone()
        } else {
            format!("{} ({} tasks)", r.scenario, r.size)
        };
        http_line(&mut o, r, &what);
    }
    if let (Some(plain), Some(gz)) = (
        rows.iter()
            .find(|r| r.scenario == "first page, no compression"),
        find(rows, "http", first, "10k", plain_c(rows)),
    ) {
        let (sp, _, _) = plain.cpu_ms();
        let (sg, _, _) = gz.cpu_ms();
        w(&mut o, &format!(
            "\nCompression: the same first page without `Accept-Encoding` runs at {}/s against {}/s compressed \
             (server CPU {} vs {} ms per request).",
            f1(plain.m.rps()), f1(gz.m.rps()), ms(sp), ms(sg)
        ));
    }
    w(&mut o, "");

    // ---------------------------------------------------------------- live updates
    render_live(&mut o, &res.live);

    // ---------------------------------------------------------------- the JSON API
    render_api(&mut o, &res.api, &res.lists);

    // ---------------------------------------------------------------- errors
    let errs: Vec<&Row> = rows
        .iter()
        .filter(|r| r.m.errors > 0 || r.m.first_error.is_some() || r.logged_errors > 0)
        .collect();
    if !errs.is_empty() {
        w(&mut o, "## Errors\n");
        w(&mut o, "Failed requests (non-2xx answers or transport errors) and ERROR lines in the server's log \
                   (bench/work/server.log), per run. A request that the server answers with 200 can still have \
                   logged an error.\n");
        for r in errs {
            let mut line = format!("- {} {} c={}:", r.scenario, r.size, r.m.concurrency);
            if r.m.errors > 0 || r.m.first_error.is_some() {
                line.push_str(&format!(
                    " {} failed requests, first: `{}`;",
                    r.m.errors,
                    r.m.first_error
                        .clone()
                        .unwrap_or_default()
                        .replace('`', "'")
                ));
            }
            if r.logged_errors > 0 {
                line.push_str(&format!(
                    " the server logged {} ERROR lines, first: `{}`",
                    r.logged_errors,
                    r.first_logged.clone().unwrap_or_default().replace('`', "'")
                ));
            }
            w(&mut o, &line);
        }
        w(&mut o, "");
    }

    // ---------------------------------------------------------------- plans
    w(&mut o, "## Plans\n");
    w(&mut o, "`EXPLAIN (ANALYZE, BUFFERS)` of each pgbench statement for each list, values written in, with the \
               pgbench session settings (taken before the runs above).\n");
    for (title, plan) in &res.plans {
        w(
            &mut o,
            &format!(
                "<details><summary>{title}</summary>\n\n```\n{}```\n</details>\n",
                plan
            ),
        );
    }
    o
}

/// The concurrency of the no-compression diagnostic.
fn plain_c(rows: &[Row]) -> usize {
    rows.iter()
        .find(|r| r.scenario == "first page, no compression")
        .map_or(0, |r| r.m.concurrency)
}

fn render_api(o: &mut String, api: &crate::api::ApiResults, lists: &[crate::ListUser]) {
    let w = |o: &mut String, s: &str| {
        o.push_str(s);
        o.push('\n');
    };
    w(o, "## The JSON API\n");
    w(o, "The same work through the page's server functions and through `/api/v1`, at each concurrency in the \
           order server function, API, API, server function: the first page of the list of the 10,000-task person (`GET /api/list_tasks` with a \
           session against `GET /api/v1/tasks?limit=50` with a token; the same statement behind both, after \
           one statement that finds the caller: the session's or the token's) and adds (each client a \
           different person; `POST /api/add_task` form against `POST /api/v1/tasks` JSON, the same fields).\n");
    w(o, "| run | c | req/s | p50 ms | p99 ms | errors | server RSS | CPU ms/req server / PG / client |");
    w(o, "|---|---|---|---|---|---|---|---|");
    for (_, fns, apis) in &api.pairs {
        // In the order they ran: server function, API, API, server function.
        for r in fns.first().into_iter().chain(apis).chain(fns.get(1)) {
            http_line(o, r, &r.scenario);
        }
    }
    let within = |a: f64, b: f64| (a / b - 1.0).abs() <= 0.10;
    let ratios: Vec<(String, usize, f64, f64)> = api
        .pairs
        .iter()
        .map(|(what, fns, apis)| {
            let (f_rps, f_p50) = crate::api::mean(fns);
            let (a_rps, a_p50) = crate::api::mean(apis);
            let c = fns.first().map_or(0, |r| r.m.concurrency);
            (what.clone(), c, a_rps / f_rps, a_p50 / f_p50)
        })
        .collect();
    let met = ratios
        .iter()
        .all(|(_, _, t, p)| within(*t, 1.0) && within(*p, 1.0));
    w(
        o,
        &format!(
            "\nTarget: the API's throughput and p50 within 10% of the server functions' (the mean of each side's \
             two runs): {} ({}).\n",
            if met { "**met**" } else { "**missed**" },
            ratios
                .iter()
                .map(|(what, c, t, p)| format!("{what} c={c}: throughput {t:.2}×, p50 {p:.2}×"))
                .collect::<Vec<_>>()
                .join("; ")
        ),
    );
    let tasks = lists.get(2).map_or(0, |l| l.tasks);
    w(o, &format!(
        "Export of the {tasks}-task person (`GET /api/v1/export`), three runs each, one at a time: time to the \
         last byte, and the server's VmRSS before and at most during the runs (read every 5 ms).\n"
    ));
    w(
        o,
        "| export | tasks | median s | runs s | bytes | RSS before | RSS peak | peak − before |",
    );
    w(o, "|---|---|---|---|---|---|---|---|");
    for e in &api.exports {
        w(
            o,
            &format!(
                "| {} | {} | {:.2} | {} | {} | {} | {} | {} |",
                e.what,
                e.tasks,
                e.median(),
                e.seconds
                    .iter()
                    .map(|s| format!("{s:.2}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                e.bytes,
                mib(e.rss_before_kb),
                mib(e.rss_peak_kb),
                mib(e.rss_peak_kb.saturating_sub(e.rss_before_kb)),
            ),
        );
    }
    let i = &api.import;
    w(o, &format!(
        "\nImport: that JSON export ({} bytes) posted to `POST /api/v1/import` of a new, empty account, once: \
         answered {} in {:.2} s; the server's VmRSS {} before, {} at most during it. The answer: `{}`\n",
        i.bytes,
        i.status,
        i.seconds,
        mib(i.rss_before_kb),
        mib(i.rss_peak_kb),
        i.answer.replace('`', "'")
    ));
}

fn render_live(o: &mut String, live: &crate::LiveResults) {
    let w = |o: &mut String, s: &str| {
        o.push_str(s);
        o.push('\n');
    };
    w(o, "## Live updates\n");
    w(o, "Adds with the NOTIFY triggers disabled (`alter table tasks disable trigger ...`), then enabled with one \
           open stream (`GET /api/events`) per writing person, so that each add's event is also delivered. Each \
           client is a different person, as in the writes above.\n");
    w(o, "| run | c | req/s | p50 ms | p99 ms | errors | server RSS | CPU ms/req server / PG / client |");
    w(o, "|---|---|---|---|---|---|---|---|");
    for (_, off, on) in &live.notify {
        http_line(o, off, &off.scenario);
        http_line(o, on, &on.scenario);
    }
    let met = live
        .notify
        .iter()
        .all(|(_, off, on)| on.m.ms(0.5) <= off.m.ms(0.5) * 1.2 && on.m.rps() * 1.2 >= off.m.rps());
    w(
        o,
        &format!(
            "\nTarget: add p50 and throughput with NOTIFY within 1.2× of without: {} ({}).\n",
            if met { "**met**" } else { "**missed**" },
            live.notify
                .iter()
                .map(|(c, off, on)| format!(
                    "c={c}: p50 {:.2}×, throughput {:.2}×",
                    on.m.ms(0.5) / off.m.ms(0.5),
                    off.m.rps() / on.m.rps()
                ))
                .collect::<Vec<_>>()
                .join("; ")
        ),
    );
    w(o, &format!(
        "Open streams: the server's VmRSS before opening them and one second after the last had its first \
         event (the server ran with `LIVE_MAX_STREAMS_PER_USER={}`). The allocator reuses memory that earlier \
         runs freed, so the difference is a floor rather than an exact cost.\n",
        live.per_user_limit
    ));
    w(
        o,
        "| streams | count | RSS before | RSS after | KiB per stream |\n|---|---|---|---|---|",
    );
    for (what, n, before, after) in &live.memory {
        w(
            o,
            &format!(
                "| {what} | {n} | {} | {} | {:.1} |",
                mib(*before),
                mib(*after),
                after.saturating_sub(*before) as f64 / *n as f64
            ),
        );
    }
    w(o, "\nFan-out: writes one at a time; for each, the time from reading its answer to reading its event on \
           each stream (one client thread reads every stream, so the last of 1,000 also waits for this thread to \
           read the 999 before it). An event read before the answer counts as 0.\n");
    w(o, "| streams | events expected | received | p50 ms | p99 ms | max ms | read before the answer | failed writes |");
    w(o, "|---|---|---|---|---|---|---|---|");
    for (what, f) in &live.fan_out {
        w(
            o,
            &format!(
                "| {what} | {} | {} | {} | {} | {} | {} | {} |",
                f.writes * f.per_write,
                f.latencies_us.len(),
                ms(f.ms(0.5)),
                ms(f.ms(0.99)),
                ms(f.ms(1.0)),
                f.before_answer,
                f.failed_writes
            ),
        );
    }
    w(o, "");
}
