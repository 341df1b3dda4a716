//! Closed-loop load: `c` workers, each with its own connection (and session), sending the
//! next request as soon as the previous answer is read. A run has a warm-up (not counted)
//! and a measured window; a request counts when its answer arrives inside the window.
//! While the window is open the server's RSS is sampled and the CPU time of the server,
//! of PostgreSQL and of this process are taken at its edges.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use hdrhistogram::Histogram;
use tokio::time::sleep_until;

use crate::{
    http::{Conn, Req, Response, Target},
    procs::Probe,
};

pub type MakeReq = Arc<dyn Fn(usize, u64) -> Req + Send + Sync>;

/// Workers that send the same kind of request.
pub struct Group {
    pub label: String,
    pub concurrency: usize,
    pub make: MakeReq,
}

#[derive(Clone)]
pub struct Measured {
    pub label: String,
    pub concurrency: usize,
    pub ok: u64,
    pub errors: u64,
    pub first_error: Option<String>,
    /// Latency of each answered request, in microseconds.
    pub hist: Histogram<u64>,
    pub seconds: f64,
}

impl Measured {
    pub fn rps(&self) -> f64 {
        self.ok as f64 / self.seconds
    }

    /// A latency quantile in milliseconds.
    pub fn ms(&self, q: f64) -> f64 {
        if self.hist.is_empty() {
            return f64::NAN;
        }
        self.hist.value_at_quantile(q) as f64 / 1000.0
    }
}

/// What the machine did during a measured window.
#[derive(Clone, Copy, Debug, Default)]
pub struct Usage {
    pub seconds: f64,
    /// Largest server VmRSS seen in the window, KiB.
    pub server_rss_kb: u64,
    /// CPU seconds in the window.
    pub server_cpu: f64,
    /// Of which in the kernel.
    pub server_sys: f64,
    /// Minor page faults of the server.
    pub server_minflt: u64,
    pub pg_cpu: f64,
    pub client_cpu: f64,
    /// CPU seconds used by everything else on the machine in the window (other processes:
    /// anything large here means the numbers of that run are disturbed).
    pub other_cpu: f64,
}

pub fn new_hist() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 300_000_000, 3).expect("valid histogram bounds")
}

struct WorkerResult {
    hist: Histogram<u64>,
    ok: u64,
    errors: u64,
    first_error: Option<String>,
}

#[allow(clippy::too_many_arguments)]
async fn worker(
    mut conn: Conn,
    make: MakeReq,
    index: usize,
    warm_end: Instant,
    end: Instant,
) -> WorkerResult {
    let mut result = WorkerResult {
        hist: new_hist(),
        ok: 0,
        errors: 0,
        first_error: None,
    };
    let mut iter = 0u64;
    loop {
        let t0 = Instant::now();
        if t0 >= end {
            break;
        }
        let req = make(index, iter);
        iter += 1;
        let answer = conn.send(&req).await;
        let t1 = Instant::now();
        let counted = t1 >= warm_end && t1 <= end;
        let failure = match &answer {
            Ok(r) if r.ok() => None,
            Ok(r) => Some(describe(&req, r)),
            Err(e) => Some(format!("{} {}: {e:#}", req.method, req.path)),
        };
        match failure {
            None => {
                if counted {
                    let us = (t1 - t0).as_micros().max(1) as u64;
                    result.hist.saturating_record(us);
                    result.ok += 1;
                }
            }
            Some(message) => {
                if counted {
                    result.errors += 1;
                }
                result.first_error.get_or_insert(message);
                if answer.is_err() {
                    // A refused connection would otherwise spin.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                } else if let Some(secs) = answer.as_ref().ok().and_then(|r| r.retry_after) {
                    // Told to come back later (a full password queue): as a client should.
                    let back = (Instant::now() + Duration::from_secs(secs)).min(end);
                    tokio::time::sleep_until(back.into()).await;
                }
            }
        }
    }
    result
}

fn describe(req: &Req, r: &Response) -> String {
    let mut text = r.text();
    text.truncate(200);
    format!("{} {} -> {}: {}", req.method, req.path, r.status, text)
}

/// Runs the groups at the same time and measures each.
pub async fn run(
    target: &Target,
    groups: Vec<Group>,
    warmup: Duration,
    window: Duration,
    probe: &Probe,
) -> (Vec<Measured>, Usage) {
    let start = Instant::now() + Duration::from_millis(50);
    let warm_end = start + warmup;
    let end = warm_end + window;
    let mut handles = Vec::new();
    for (g, group) in groups.iter().enumerate() {
        for i in 0..group.concurrency {
            let conn = Conn::new(target);
            let make = group.make.clone();
            handles.push((
                g,
                tokio::spawn(async move {
                    sleep_until(start.into()).await;
                    worker(conn, make, i, warm_end, end).await
                }),
            ));
        }
    }

    // The probe shares the thread with the workers: it wakes ten times a second.
    sleep_until(warm_end.into()).await;
    let t_begin = Instant::now();
    let before = probe.snapshot();
    let mut rss_max = 0;
    loop {
        rss_max = rss_max.max(probe.server_rss_kb().0);
        let next = Instant::now() + Duration::from_millis(100);
        if next >= end {
            sleep_until(end.into()).await;
            break;
        }
        sleep_until(next.into()).await;
    }
    let after = probe.snapshot();
    let seconds = t_begin.elapsed().as_secs_f64();
    rss_max = rss_max.max(probe.server_rss_kb().0);

    let mut measured: Vec<Measured> = groups
        .iter()
        .map(|g| Measured {
            label: g.label.clone(),
            concurrency: g.concurrency,
            ok: 0,
            errors: 0,
            first_error: None,
            hist: new_hist(),
            seconds: window.as_secs_f64(),
        })
        .collect();
    for (g, handle) in handles {
        let r = handle.await.expect("a worker panicked");
        let m = &mut measured[g];
        m.hist.add(&r.hist).expect("same histogram bounds");
        m.ok += r.ok;
        m.errors += r.errors;
        if m.first_error.is_none() {
            m.first_error = r.first_error;
        }
    }
    let usage = Usage {
        seconds,
        server_rss_kb: rss_max,
        server_cpu: after.server_cpu - before.server_cpu,
        server_sys: after.server_sys - before.server_sys,
        server_minflt: after.server_minflt.saturating_sub(before.server_minflt),
        pg_cpu: after.pg_cpu - before.pg_cpu,
        client_cpu: after.self_cpu - before.self_cpu,
        other_cpu: ((after.machine_busy - before.machine_busy)
            - (after.server_cpu - before.server_cpu)
            - (after.pg_cpu - before.pg_cpu)
            - (after.self_cpu - before.self_cpu))
            .max(0.0),
    };
    (measured, usage)
}

/// Sends exactly `n` requests from `c` clients (no timing); returns how many were answered
/// with a 2xx. Used to count what one request costs in database transactions.
pub async fn fixed(target: &Target, make: MakeReq, n: usize, c: usize) -> usize {
    let mut handles = Vec::new();
    for w in 0..c {
        let mut conn = Conn::new(target);
        let make = make.clone();
        let share = n / c + usize::from(w < n % c);
        handles.push(tokio::spawn(async move {
            let mut ok = 0;
            for i in 0..share {
                if conn.send(&make(w, i as u64)).await.is_ok_and(|r| r.ok()) {
                    ok += 1;
                }
            }
            ok
        }));
    }
    let mut ok = 0;
    for h in handles {
        ok += h.await.unwrap_or(0);
    }
    ok
}
