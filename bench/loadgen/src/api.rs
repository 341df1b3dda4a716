//! Section 8: the JSON API beside the server functions. The same SQL behind both (the list's
//! first page, an add), so their figures should match: each pair runs back to back at each
//! concurrency. And the export of the 100,000-task person: time to the last byte, size, and
//! the server's memory while it streams.

use std::time::{Duration, Instant};

use anyhow::{bail, Result};

use crate::{
    http::{Conn, Req, Target},
    Row,
};

/// Section 8's figures.
pub struct ApiResults {
    /// (what, the two server-function runs, the two API runs) at one concurrency, run in
    /// the order server function, API, API, server function.
    pub pairs: Vec<(String, Vec<Row>, Vec<Row>)>,
    pub exports: Vec<Export>,
    pub import: Import,
}

/// The 100,000-task person's JSON export imported into an empty account, once.
pub struct Import {
    pub bytes: usize,
    pub seconds: f64,
    pub status: u16,
    /// The answer's body, cut to 300 characters.
    pub answer: String,
    pub rss_before_kb: u64,
    pub rss_peak_kb: u64,
}

/// One export of the 100,000-task person.
pub struct Export {
    pub what: String,
    pub tasks: i64,
    /// Each run's seconds to the last byte.
    pub seconds: Vec<f64>,
    pub bytes: usize,
    /// The server's VmRSS before the export and the most it reached during it (sampled every
    /// 5 ms), in KiB.
    pub rss_before_kb: u64,
    pub rss_peak_kb: u64,
}

/// Requests per second and p50 of `runs` together: the mean of each.
pub fn mean(runs: &[Row]) -> (f64, f64) {
    let n = runs.len().max(1) as f64;
    (
        runs.iter().map(|r| r.m.rps()).sum::<f64>() / n,
        runs.iter().map(|r| r.m.ms(0.5)).sum::<f64>() / n,
    )
}

impl Export {
    pub fn median(&self) -> f64 {
        let mut s = self.seconds.clone();
        s.sort_by(f64::total_cmp);
        s[s.len() / 2]
    }
}

/// A read-write token for the person signed in with `cookie`, made as the account page makes
/// one.
pub async fn token(target: &Target, cookie: &str) -> Result<String> {
    // Uncompressed: the answer is read here.
    let plain = Target::new(&target.authority, None)?;
    let res = Conn::new(&plain)
        .send(&Req::post(
            "/api/create_token",
            Some(cookie),
            &[("name", "bench"), ("scope", "write"), ("expires", "7")],
        ))
        .await?;
    if !res.ok() {
        bail!("create_token: {} {}", res.status, res.text());
    }
    Ok(res.json()?["secret"]
        .as_str()
        .unwrap_or_default()
        .to_owned())
}

/// The same add as `add_task` (every field, two tags the person has), as a program sends it.
pub fn create(token: &str, due: &str, w: usize, i: u64) -> Req {
    let body = serde_json::json!({
        "title": format!("Benchmark task {w}-{i}"),
        "description": "Added by bench/run.sh.",
        "priority": "medium",
        "due_date": due,
        "tags": ["work", "errands"],
    });
    Req::api("/api/v1/tasks", token, Some(body.to_string()))
}

fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// The server's peak VmRSS while `work` runs (read every 5 ms), and `work`'s result.
async fn sampled<T>(server_pid: u32, work: impl std::future::Future<Output = T>) -> (T, u64) {
    let sampling = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sampler = {
        let sampling = sampling.clone();
        tokio::spawn(async move {
            let mut peak = 0;
            while sampling.load(std::sync::atomic::Ordering::Relaxed) {
                peak = peak.max(rss_kb(server_pid));
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            peak
        })
    };
    let out = work.await;
    sampling.store(false, std::sync::atomic::Ordering::Relaxed);
    (out, sampler.await.unwrap_or(0))
}

/// Imports `file` (a JSON export) into a new, empty account, timed.
pub async fn import(
    target: &Target,
    server_pid: u32,
    password: &str,
    file: String,
) -> Result<Import> {
    let email = format!(
        "bench-import-{}@example.com",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_secs()
    );
    let mut conn = Conn::new(target);
    let res = conn
        .send(&Req::post(
            "/api/sign_up",
            None,
            &[("email", &email), ("name", ""), ("password", password)],
        ))
        .await?;
    let Some(cookie) = res.cookie("session").filter(|_| res.ok()) else {
        bail!("sign-up for the import: {} {}", res.status, res.text());
    };
    let token = token(target, &cookie).await?;
    let bytes = file.len();
    let rss_before_kb = rss_kb(server_pid);
    let started = Instant::now();
    let (res, rss_peak_kb) = sampled(
        server_pid,
        Conn::new(target).send(&Req::api("/api/v1/import", &token, Some(file))),
    )
    .await;
    let seconds = started.elapsed().as_secs_f64();
    let res = res?;
    let answer: String = res.text().chars().take(300).collect();
    eprintln!(
        "import of {bytes} bytes: {} in {seconds:.2} s: {answer}",
        res.status
    );
    Ok(Import {
        bytes,
        seconds,
        status: res.status,
        answer,
        rss_before_kb,
        rss_peak_kb,
    })
}

/// Downloads `path` with `token` `runs` times through `target` (its `Accept-Encoding`),
/// sampling the server's memory meanwhile.
pub async fn export(
    target: &Target,
    server_pid: u32,
    what: &str,
    path: &str,
    token: &str,
    tasks: i64,
    runs: usize,
) -> Result<Export> {
    let rss_before_kb = rss_kb(server_pid);
    let (done, rss_peak_kb) = sampled(server_pid, async {
        let mut seconds = Vec::new();
        let mut bytes = 0;
        for _ in 0..runs {
            let started = Instant::now();
            let res = Conn::new(target).send(&Req::api(path, token, None)).await?;
            if !res.ok() {
                bail!("{path}: {} {}", res.status, res.text());
            }
            seconds.push(started.elapsed().as_secs_f64());
            bytes = res.body.len();
        }
        Ok((seconds, bytes))
    })
    .await;
    let (seconds, bytes) = done?;
    eprintln!(
        "{what}: {:.2} s, {} bytes, server RSS {} -> peak {} KiB",
        seconds.iter().copied().fold(f64::NAN, f64::min),
        bytes,
        rss_before_kb,
        rss_peak_kb
    );
    Ok(Export {
        what: what.to_owned(),
        tasks,
        seconds,
        bytes,
        rss_before_kb,
        rss_peak_kb,
    })
}
