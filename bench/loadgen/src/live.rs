//! Live updates as a browser tab sees them: open streams (`GET /api/events`, Server-Sent
//! Events), and the time from a write's answer to its event's arrival at each of them.
//!
//! Every stream is its own connection, read by a task of this (single-threaded) client, which
//! timestamps an event when it reads it. With 1,000 streams the last one read can wait for the
//! 999 before it on this one thread: that queueing is inside the measured figure.

use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::Request;
use hyper_util::rt::TokioIo;
use tokio::{
    net::TcpStream,
    sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender},
    task::JoinHandle,
    time::timeout,
};

use crate::{
    http::{Conn, Req, Target},
    procs::Probe,
};

/// `STREAM_URL` in src/live/browser.rs.
const STREAM_PATH: &str = "/api/events";

/// One event as a stream delivered it.
#[derive(Debug)]
pub struct Arrival {
    /// Which stream (its index in `Streams::open`'s list).
    pub stream: usize,
    pub at: Instant,
    /// The change's kind (`"resync"`, `"task"`, ...) and task id when it names one.
    pub kind: String,
    pub id: Option<i64>,
}

/// Open streams, and what they deliver.
pub struct Streams {
    readers: Vec<JoinHandle<()>>,
    rx: UnboundedReceiver<Arrival>,
}

impl Streams {
    /// Opens one stream per cookie (a cookie may repeat: several tabs of one session) and
    /// waits until each has delivered its first event, the resync every stream starts with.
    pub async fn open(target: &Target, cookies: &[String]) -> Result<Self> {
        let (tx, rx) = unbounded_channel();
        let mut streams = Self {
            readers: Vec::with_capacity(cookies.len()),
            rx,
        };
        for (i, cookie) in cookies.iter().enumerate() {
            let reader = open_one(target, cookie, i, tx.clone())
                .await
                .with_context(|| format!("opening stream {i} of {}", cookies.len()))?;
            streams.readers.push(reader);
        }
        let mut started = 0;
        let deadline = Instant::now() + Duration::from_secs(60);
        while started < cookies.len() {
            let left = deadline.saturating_duration_since(Instant::now());
            match timeout(left, streams.rx.recv()).await {
                Ok(Some(a)) if a.kind == "resync" => started += 1,
                Ok(Some(_)) => {}
                Ok(None) | Err(_) => bail!(
                    "only {started} of {} streams delivered their first event within 60 s",
                    cookies.len()
                ),
            }
        }
        Ok(streams)
    }

    pub fn len(&self) -> usize {
        self.readers.len()
    }

    /// Forgets whatever has arrived so far.
    pub fn drain(&mut self) {
        while self.rx.try_recv().is_ok() {}
    }

    /// Waits for the events about task `id`, one per stream in `want`, or until `wait` has
    /// passed since the call; returns the arrival time on each stream that delivered one.
    pub async fn arrivals(
        &mut self,
        id: i64,
        want: usize,
        wait: Duration,
    ) -> Vec<(usize, Instant)> {
        let deadline = Instant::now() + wait;
        let mut got = Vec::with_capacity(want);
        while got.len() < want {
            let left = deadline.saturating_duration_since(Instant::now());
            match timeout(left, self.rx.recv()).await {
                Ok(Some(a)) if a.kind == "task" && a.id == Some(id) => got.push((a.stream, a.at)),
                Ok(Some(_)) => {}
                Ok(None) | Err(_) => break,
            }
        }
        got
    }

    /// Closes every stream (drops its connection).
    pub async fn close(self) {
        for reader in &self.readers {
            reader.abort();
        }
        for reader in self.readers {
            let _ = reader.await;
        }
    }
}

async fn open_one(
    target: &Target,
    cookie: &str,
    index: usize,
    tx: UnboundedSender<Arrival>,
) -> Result<JoinHandle<()>> {
    let stream = TcpStream::connect(&target.authority).await?;
    stream.set_nodelay(true)?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    let driver = tokio::spawn(async move {
        let _ = conn.await;
    });
    let request = Request::get(STREAM_PATH)
        .header("host", &target.authority)
        .header("accept", "text/event-stream")
        .header("cookie", cookie)
        .body(Empty::<Bytes>::new())?;
    let response = sender.send_request(request).await?;
    if response.status() != 200 {
        driver.abort();
        bail!("GET {STREAM_PATH} answered {}", response.status());
    }
    let mut body = response.into_body();
    Ok(tokio::spawn(async move {
        // Ends the connection's driver too when this reader is aborted or the stream ends.
        struct Abort(JoinHandle<()>);
        impl Drop for Abort {
            fn drop(&mut self) {
                self.0.abort();
            }
        }
        let _driver = Abort(driver);
        let _sender = sender;
        let mut buf = String::new();
        while let Some(Ok(frame)) = body.frame().await {
            let Some(data) = frame.data_ref() else {
                continue;
            };
            let at = Instant::now();
            buf.push_str(&String::from_utf8_lossy(data));
            while let Some(end) = buf.find("\n\n") {
                if let Some(arrival) = parse_event(&buf[..end], index, at) {
                    let _ = tx.send(arrival);
                }
                buf.drain(..end + 2);
            }
        }
    }))
}

/// The `data:` lines of one Server-Sent Event (comments, the keep-alives, carry none).
fn parse_event(event: &str, stream: usize, at: Instant) -> Option<Arrival> {
    let data: String = event
        .lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .map(str::trim_start)
        .collect();
    if data.is_empty() {
        return None;
    }
    let v: serde_json::Value = serde_json::from_str(&data).ok()?;
    Some(Arrival {
        stream,
        at,
        kind: v["k"].as_str().unwrap_or_default().to_owned(),
        id: v["id"].as_i64(),
    })
}

/// Latencies (microseconds) from each write's answer to its event's arrival on each stream.
pub struct FanOut {
    pub writes: usize,
    /// Events each write should reach.
    pub per_write: usize,
    pub latencies_us: Vec<u64>,
    /// Events that arrived before the write's answer was read (counted as 0 above).
    pub before_answer: usize,
    /// Write answers that were not 2xx.
    pub failed_writes: usize,
}

impl FanOut {
    pub fn missing(&self) -> usize {
        self.writes * self.per_write - self.latencies_us.len()
    }

    /// A quantile in milliseconds.
    pub fn ms(&self, q: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return f64::NAN;
        }
        let mut v = self.latencies_us.clone();
        v.sort_unstable();
        let i = ((v.len() - 1) as f64 * q).round() as usize;
        v[i] as f64 / 1000.0
    }
}

/// Sends each write in turn (one at a time) and waits for its event on `per_write` streams.
pub async fn fan_out(
    target: &Target,
    streams: &mut Streams,
    writes: Vec<Req>,
    per_write: usize,
) -> Result<FanOut> {
    // Answers uncompressed: the write's answer is read for its task id.
    let mut conn = Conn::new(&Target::new(&target.authority, None)?);
    let mut out = FanOut {
        writes: writes.len(),
        per_write,
        latencies_us: Vec::with_capacity(writes.len() * per_write),
        before_answer: 0,
        failed_writes: 0,
    };
    for write in writes {
        streams.drain();
        let answer = conn.send(&write).await?;
        let answered = Instant::now();
        if !answer.ok() {
            out.failed_writes += 1;
            continue;
        }
        let id = answer.json()?["id"]
            .as_i64()
            .context("the write's answer names no task id")?;
        for (_, at) in streams
            .arrivals(id, per_write, Duration::from_secs(10))
            .await
        {
            if at < answered {
                out.before_answer += 1;
            }
            out.latencies_us
                .push(at.saturating_duration_since(answered).as_micros() as u64);
        }
    }
    Ok(out)
}

/// Opens a stream per cookie and measures what they cost the server (VmRSS before opening and
/// one second after the last has started: `(what, streams, before KiB, after KiB)`), then the
/// fan-out of `writes` to `per_write` of them; closes them again.
pub async fn measure(
    target: &Target,
    probe: &Probe,
    what: &str,
    cookies: &[String],
    writes: Vec<Req>,
    per_write: usize,
) -> Result<((String, usize, u64, u64), FanOut)> {
    let before = probe.server_rss_kb().0;
    let mut streams = Streams::open(target, cookies).await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after = probe.server_rss_kb().0;
    eprintln!(
        "{what}: {} streams open, server RSS {before} -> {after} KiB",
        streams.len()
    );
    let f = fan_out(target, &mut streams, writes, per_write).await;
    streams.close().await;
    let f = f?;
    eprintln!(
        "{what}: an event {:.2} ms after its write's answer (p50), p99 {:.2} ms, {} missing",
        f.ms(0.5),
        f.ms(0.99),
        f.missing()
    );
    Ok(((what.to_owned(), cookies.len(), before, after), f))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_is_read_from_its_data_lines_and_a_keep_alive_is_not_one() {
        let at = Instant::now();
        let a = parse_event(
            "retry: 1000\ndata: {\"k\":\"task\",\"id\":7,\"v\":2}",
            3,
            at,
        )
        .expect("an event");
        assert_eq!((a.stream, a.kind.as_str(), a.id), (3, "task", Some(7)));
        let r = parse_event("data:{\"k\":\"resync\"}", 0, at).expect("an event");
        assert_eq!((r.kind.as_str(), r.id), ("resync", None));
        assert!(parse_event(":", 0, at).is_none());
    }

    #[test]
    fn quantiles_come_from_the_sorted_latencies() {
        let f = FanOut {
            writes: 2,
            per_write: 3,
            latencies_us: vec![5000, 1000, 3000, 2000, 4000],
            before_answer: 0,
            failed_writes: 0,
        };
        assert_eq!(f.ms(0.5), 3.0);
        assert_eq!(f.ms(1.0), 5.0);
        assert_eq!(f.missing(), 1);
    }
}
