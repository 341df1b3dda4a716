//! A TCP proxy between a test's app and PostgreSQL, so a test can make "the database" go
//! away, come back, or answer slowly, without touching the cluster the other tests share.

use std::{
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

use tokio::{
    io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt},
    net::{TcpListener, TcpStream, UnixStream},
    task::JoinHandle,
};

/// Where the real database listens.
#[derive(Clone, Debug)]
pub enum Upstream {
    Tcp(String),
    Unix(std::path::PathBuf),
}

pub struct DbProxy {
    pub port: u16,
    state: Arc<State>,
    accept_task: JoinHandle<()>,
}

struct State {
    up: AtomicBool,
    delay_ms: AtomicU64,
    connections: Mutex<Vec<JoinHandle<()>>>,
}

impl DbProxy {
    pub async fn start(upstream: Upstream) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(State {
            up: AtomicBool::new(true),
            delay_ms: AtomicU64::new(0),
            connections: Mutex::new(Vec::new()),
        });
        let accept_state = state.clone();
        let accept_task = tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    return;
                };
                if !accept_state.up.load(Ordering::SeqCst) {
                    drop(client); // the database is "down": refuse by hanging up at once
                    continue;
                }
                let state = accept_state.clone();
                let upstream = upstream.clone();
                let task = tokio::spawn(async move {
                    let _ = client.set_nodelay(true);
                    match upstream {
                        Upstream::Tcp(addr) => {
                            if let Ok(server) = TcpStream::connect(addr).await {
                                let _ = server.set_nodelay(true);
                                pipe(client, server, state).await;
                            }
                        }
                        Upstream::Unix(path) => {
                            if let Ok(server) = UnixStream::connect(path).await {
                                pipe(client, server, state).await;
                            }
                        }
                    }
                });
                accept_state.connections.lock().unwrap().push(task);
            }
        });
        Self {
            port,
            state,
            accept_task,
        }
    }

    /// Cuts every open connection and refuses new ones, as a stopped server would.
    pub fn stop_database(&self) {
        self.state.up.store(false, Ordering::SeqCst);
        for task in self.state.connections.lock().unwrap().drain(..) {
            task.abort();
        }
    }

    pub fn start_database(&self) {
        self.state.up.store(true, Ordering::SeqCst);
    }

    /// Every chunk in either direction waits this long: a slow database.
    pub fn set_delay(&self, delay: Duration) {
        self.state
            .delay_ms
            .store(delay.as_millis() as u64, Ordering::SeqCst);
    }
}

impl Drop for DbProxy {
    fn drop(&mut self) {
        self.accept_task.abort();
        self.stop_database();
    }
}

async fn pipe<S>(client: TcpStream, server: S, state: Arc<State>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (client_read, client_write) = tokio::io::split(client);
    let (server_read, server_write) = tokio::io::split(server);
    // Both directions in this one task, so aborting the task closes both sockets.
    tokio::join!(
        copy_slowly(client_read, server_write, state.clone()),
        copy_slowly(server_read, client_write, state),
    );
}

async fn copy_slowly<R, W>(mut from: R, mut to: W, state: Arc<State>)
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let delay = state.delay_ms.load(Ordering::SeqCst);
        if delay > 0 {
            tokio::time::sleep(Duration::from_millis(delay)).await;
        }
        if to.write_all(&buf[..n]).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}
