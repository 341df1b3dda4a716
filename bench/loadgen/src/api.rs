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
    /// (what, server-function run, API run), each pair at one concurrency.
    pub pairs: Vec<(String, Row, Row)>,
    pub exports: Vec<Export>,
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
    let res = Conn::new(target)
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
    sampling.store(false, std::sync::atomic::Ordering::Relaxed);
    let rss_peak_kb = sampler.await?;
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
