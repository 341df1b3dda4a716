//! psql for small look-ups, and pgbench running the list page's SQL (from
//! bench/pgbench/list.sql) as the ceiling the app is measured against.

use std::{
    collections::BTreeMap,
    fs,
    path::{Path, PathBuf},
    process::Command,
    time::Duration,
};

use anyhow::{bail, Context, Result};

use crate::{
    load::{new_hist, Measured, Usage},
    procs::Probe,
};

#[derive(Clone)]
pub struct Db {
    pub url: String,
    pub bin: PathBuf,
}

/// `-c name=value ...` for libpq's PGOPTIONS: the session settings the app's pool sets.
pub fn pgoptions(settings: &[(String, String)]) -> String {
    settings
        .iter()
        .map(|(k, v)| format!("-c {k}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

impl Db {
    /// Runs `sql` with psql; returns the unaligned, tuples-only output, one row per line,
    /// columns separated by `|`.
    pub fn query(&self, sql: &str) -> Result<String> {
        self.query_with(sql, &[])
    }

    /// `query` in a session with these settings.
    pub fn query_with(&self, sql: &str, settings: &[(String, String)]) -> Result<String> {
        let out = Command::new(self.bin.join("psql"))
            .args([
                "-X",
                "-q",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-d",
                &self.url,
                "-c",
                sql,
            ])
            .env("PGOPTIONS", pgoptions(settings))
            .output()
            .context("running psql")?;
        if !out.status.success() {
            bail!(
                "psql failed: {}\n{sql}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    }

    pub fn rows(&self, sql: &str) -> Result<Vec<Vec<String>>> {
        Ok(self
            .query(sql)?
            .lines()
            .filter(|l| !l.is_empty())
            .map(|l| l.split('|').map(str::to_owned).collect())
            .collect())
    }

    pub fn one(&self, sql: &str) -> Result<String> {
        let v = self.query(sql)?;
        if v.is_empty() {
            bail!("no row from: {sql}");
        }
        Ok(v)
    }
}

/// One statement of bench/pgbench/list.sql.
#[derive(Clone, Debug)]
pub struct Block {
    pub name: String,
    /// The scenarios (first, search, deep) whose pgbench script runs this statement.
    pub scenarios: Vec<String>,
    /// `$n` -> (value name, SQL type)
    pub params: BTreeMap<usize, (String, String)>,
    /// The SQL text as copied from src/tasks/db/rows.rs, without the closing `;`.
    pub sql: String,
}

/// bench/pgbench/list.sql: its statements and the session settings to run them with.
pub struct SqlFile {
    pub blocks: Vec<Block>,
    pub settings: Vec<(String, String)>,
}

pub fn parse_file(path: &Path) -> Result<SqlFile> {
    let text = fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut settings = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if let Some(item) = line.trim().strip_prefix("-- @setting ") {
            let (k, v) = item.trim().split_once('=').with_context(|| {
                format!("{}:{}: @setting needs name=value", path.display(), n + 1)
            })?;
            settings.push((k.trim().to_owned(), v.trim().to_owned()));
        }
    }
    Ok(SqlFile {
        blocks: parse_blocks(path, &text)?,
        settings,
    })
}

fn parse_blocks(path: &Path, text: &str) -> Result<Vec<Block>> {
    let mut blocks: Vec<Block> = Vec::new();
    let mut current: Option<Block> = None;
    for (lineno, line) in text.lines().enumerate() {
        let lineno = lineno + 1;
        let t = line.trim();
        if let Some(name) = t.strip_prefix("-- @query ") {
            if current.is_some() {
                bail!(
                    "{}:{}: @query before the previous statement's `;`",
                    path.display(),
                    lineno
                );
            }
            current = Some(Block {
                name: name.trim().to_owned(),
                scenarios: Vec::new(),
                params: BTreeMap::new(),
                sql: String::new(),
            });
            continue;
        }
        let Some(block) = current.as_mut() else {
            continue;
        };
        if t.starts_with("-- @setting ") {
            continue;
        } else if let Some(list) = t.strip_prefix("-- @for ") {
            block.scenarios = list.split_whitespace().map(str::to_owned).collect();
        } else if let Some(list) = t.strip_prefix("-- @params") {
            for item in list.split_whitespace() {
                let (n, rest) = item
                    .strip_prefix('$')
                    .and_then(|i| i.split_once('='))
                    .with_context(|| {
                        format!("{}:{}: bad @params item {item}", path.display(), lineno)
                    })?;
                let (name, ty) = rest.split_once(':').with_context(|| {
                    format!(
                        "{}:{}: @params item {item} needs :type",
                        path.display(),
                        lineno
                    )
                })?;
                block
                    .params
                    .insert(n.parse()?, (name.to_owned(), ty.to_owned()));
            }
        } else if let Some(sql) = line.trim_end().strip_suffix(';') {
            block.sql.push_str(sql);
            blocks.push(current.take().expect("inside a block"));
        } else {
            block.sql.push_str(line);
            block.sql.push('\n');
        }
    }
    if let Some(b) = current {
        bail!(
            "{}: statement {} has no closing `;`",
            path.display(),
            b.name
        );
    }
    Ok(blocks)
}

/// Whitespace-insensitive form of a statement, for comparing with the app's statements.
pub fn normalise(sql: &str) -> String {
    sql.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Every statement the app's checked queries run, normalised: the `query` of each file in
/// `.sqlx/` (what `cargo sqlx prepare` wrote, so also the statements that `task_query!`
/// assembles from pieces in src/tasks/db/rows.rs).
pub fn checked_statements(sqlx_dir: &Path) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for entry in
        fs::read_dir(sqlx_dir).with_context(|| format!("reading {}", sqlx_dir.display()))?
    {
        let path = entry?.path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let text =
            fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        let json: serde_json::Value =
            serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
        if let Some(query) = json.get("query").and_then(|q| q.as_str()) {
            out.push(normalise(query));
        }
    }
    Ok(out)
}

/// Values for one scenario: name -> value (None = SQL null).
pub type Values = BTreeMap<String, Option<String>>;

/// The pgbench script of `scenario`, and its `-D` variables.
pub fn script(blocks: &[Block], scenario: &str, values: &Values) -> Result<(String, Vec<String>)> {
    let mut script =
        String::from("-- Generated by bench/loadgen from bench/pgbench/list.sql; do not edit.\n");
    let mut defines = vec!["bench_null=null".to_owned()];
    let mut used = 0;
    for b in blocks
        .iter()
        .filter(|b| b.scenarios.iter().any(|s| s == scenario))
    {
        used += 1;
        let mut sql = String::new();
        let mut chars = b.sql.char_indices().peekable();
        while let Some((_, c)) = chars.next() {
            if c == '$' && chars.peek().is_some_and(|(_, d)| d.is_ascii_digit()) {
                let mut n = 0usize;
                while let Some((_, d)) = chars.peek().filter(|(_, d)| d.is_ascii_digit()).copied() {
                    n = n * 10 + d.to_digit(10).unwrap() as usize;
                    chars.next();
                }
                let (name, ty) = b.params.get(&n).with_context(|| {
                    format!(
                        "statement {} uses ${n}, which its @params line does not name",
                        b.name
                    )
                })?;
                let value = values.get(name).with_context(|| {
                    format!(
                        "statement {} binds ${n} to `{name}`, a value the harness does not set for \
                         scenario {scenario} (see scenario_values in bench/loadgen/src/main.rs)",
                        b.name
                    )
                })?;
                // Each placeholder stays a bound parameter (-M prepared), typed as sqlx types
                // it; pgbench cannot bind SQL null, so a null is bound as the text 'null' and
                // turned into SQL null by nullif (folded like a null in a custom plan, kept as
                // a parameter in a generic one, as sqlx's null is).
                match value {
                    Some(_) => sql.push_str(&format!("(:{name})::{ty}")),
                    None => sql.push_str(&format!("(nullif(:bench_null, 'null'))::{ty}")),
                }
            } else {
                sql.push(c);
            }
        }
        script.push_str(&format!("-- {}\n{};\n", b.name, sql.trim_end()));
    }
    if used == 0 {
        bail!("bench/pgbench/list.sql has no statement for scenario {scenario}");
    }
    for (name, value) in values {
        if let Some(v) = value {
            defines.push(format!("{name}={v}"));
        }
    }
    Ok((script, defines))
}

/// Runs a pgbench script for warm-up + window seconds at `clients`, single-threaded like the
/// HTTP load generator, and measures the window from pgbench's per-transaction log.
#[allow(clippy::too_many_arguments)]
pub fn pgbench(
    db: &Db,
    settings: &[(String, String)],
    work: &Path,
    label: &str,
    script_text: &str,
    defines: &[String],
    mode: &str,
    clients: usize,
    warmup: Duration,
    window: Duration,
    probe: &Probe,
) -> Result<(Measured, Usage)> {
    let script_path = work.join(format!("pgbench-{label}.sql"));
    fs::write(&script_path, script_text)?;
    let prefix = work.join(format!("pgbench-{label}-log"));
    // Old logs of the same label would be read as this run's.
    for entry in fs::read_dir(work)?.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(&format!("pgbench-{label}-log.")) {
            fs::remove_file(entry.path())?;
        }
    }
    let total = (warmup + window).as_secs().max(1);
    let mut cmd = Command::new(db.bin.join("pgbench"));
    cmd.args(["-n", "-M", mode, "-j", "1"])
        .arg("-c")
        .arg(clients.to_string())
        .arg("-T")
        .arg(total.to_string())
        .arg("-f")
        .arg(&script_path)
        .arg("-l")
        .arg(format!("--log-prefix={}", prefix.display()));
    for d in defines {
        cmd.arg("-D").arg(d);
    }
    cmd.arg(&db.url).env("PGOPTIONS", pgoptions(settings));
    let before = probe.snapshot();
    let out = cmd.output().context("running pgbench")?;
    let after = probe.snapshot();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    fs::write(work.join(format!("pgbench-{label}.out")), &stdout)?;
    if !out.status.success() {
        bail!(
            "pgbench {label} failed ({}):\n{}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr),
            stdout
        );
    }
    let failed = stdout
        .lines()
        .find(|l| l.starts_with("number of failed transactions"))
        .and_then(|l| l.split(':').nth(1))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0);

    // Log lines: client_id transaction_no latency_us script_no epoch_s epoch_us
    let mut tx: Vec<(f64, u64)> = Vec::new(); // (completion time, latency us)
    for entry in fs::read_dir(work)?.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with(&format!("pgbench-{label}-log.")) {
            continue;
        }
        for line in fs::read_to_string(entry.path())?.lines() {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() < 6 {
                continue;
            }
            let (Ok(lat), Ok(s), Ok(us)) = (
                f[2].parse::<u64>(),
                f[4].parse::<f64>(),
                f[5].parse::<f64>(),
            ) else {
                continue; // "skipped" or "failed" entries
            };
            tx.push((s + us / 1e6, lat));
        }
    }
    if tx.is_empty() {
        bail!("pgbench {label} logged no transactions:\n{stdout}");
    }
    let first_start = tx
        .iter()
        .map(|(t, lat)| t - *lat as f64 / 1e6)
        .fold(f64::INFINITY, f64::min);
    let last = tx.iter().map(|(t, _)| *t).fold(0.0, f64::max);
    let from = first_start + warmup.as_secs_f64();
    let to = (from + window.as_secs_f64()).min(last);
    let mut hist = new_hist();
    let mut ok = 0;
    for (t, lat) in &tx {
        if *t >= from && *t <= to {
            hist.saturating_record((*lat).max(1));
            ok += 1;
        }
    }
    let all = tx.len() as f64;
    let share = ok as f64 / all; // CPU is measured over the whole run: scale to the window
    let measured = Measured {
        label: label.to_owned(),
        concurrency: clients,
        ok,
        errors: failed,
        first_error: None,
        hist,
        seconds: (to - from).max(1e-9),
    };
    let usage = Usage {
        seconds: to - from,
        server_rss_kb: 0,
        server_cpu: 0.0,
        server_sys: 0.0,
        server_minflt: 0,
        pg_cpu: (after.pg_cpu - before.pg_cpu) * share,
        client_cpu: (after.children_cpu - before.children_cpu) * share,
        other_cpu: ((after.machine_busy - before.machine_busy)
            - (after.pg_cpu - before.pg_cpu)
            - (after.children_cpu - before.children_cpu)
            - (after.self_cpu - before.self_cpu)
            - (after.server_cpu - before.server_cpu))
            .max(0.0)
            * share,
    };
    Ok((measured, usage))
}
