//! A minimal HTTP/1.1 client: one keep-alive connection per worker, as a browser tab has, and
//! nothing else (no pool, no redirects, no cookie jar), so the load generator costs little CPU
//! on a machine it shares with the server and PostgreSQL.

use anyhow::{bail, Context, Result};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{client::conn::http1::SendRequest, Method, Request};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// Where the server listens and what every request carries.
#[derive(Clone, Debug)]
pub struct Target {
    /// `127.0.0.1:<port>`; anything else is refused.
    pub authority: String,
    /// Sent on every request when set (what a browser sends: the server may compress).
    pub accept_encoding: Option<String>,
}

impl Target {
    pub fn new(authority: &str, accept_encoding: Option<String>) -> Result<Self> {
        if !authority.starts_with("127.0.0.1:") {
            bail!("the benchmark only targets 127.0.0.1 (got {authority})");
        }
        Ok(Self {
            authority: authority.to_owned(),
            accept_encoding,
        })
    }

    pub fn origin(&self) -> String {
        format!("http://{}", self.authority)
    }
}

pub struct Response {
    pub status: u16,
    pub body: Bytes,
    /// `name=value` of each Set-Cookie header.
    pub cookies: Vec<String>,
    /// `Retry-After` in seconds, when the server sent one (a busy 503).
    pub retry_after: Option<u64>,
}

impl Response {
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Result<serde_json::Value> {
        serde_json::from_slice(&self.body).with_context(|| {
            format!(
                "response is not JSON (status {}): {}",
                self.status,
                self.text()
            )
        })
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        let prefix = format!("{name}=");
        self.cookies
            .iter()
            .find(|c| c.starts_with(&prefix))
            .cloned()
    }
}

/// One request as the workers build it.
#[derive(Clone, Debug)]
pub struct Req {
    pub method: Method,
    /// Path and query.
    pub path: String,
    /// `session=...`
    pub cookie: Option<String>,
    /// `application/x-www-form-urlencoded` body.
    pub form: Option<String>,
    /// What the client asks for: JSON, as a hydrated page's server function call does.
    pub accept: &'static str,
    /// A JSON API token (`Authorization: Bearer`), for `/api/v1`.
    pub bearer: Option<String>,
    /// A JSON body (`application/json`), as a program sends to `/api/v1`.
    pub json: Option<String>,
}

impl Req {
    pub fn get(path: impl Into<String>, cookie: Option<&str>) -> Self {
        Self {
            method: Method::GET,
            path: path.into(),
            cookie: cookie.map(str::to_owned),
            form: None,
            accept: "application/json",
            bearer: None,
            json: None,
        }
    }

    /// A JSON API request with `token`: a GET, or with `json` a POST of that body.
    pub fn api(path: impl Into<String>, token: &str, json: Option<String>) -> Self {
        Self {
            method: if json.is_some() {
                Method::POST
            } else {
                Method::GET
            },
            path: path.into(),
            cookie: None,
            form: None,
            accept: "application/json",
            bearer: Some(token.to_owned()),
            json,
        }
    }

    pub fn post(path: impl Into<String>, cookie: Option<&str>, form: &[(&str, &str)]) -> Self {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        Self {
            method: Method::POST,
            path: path.into(),
            cookie: cookie.map(str::to_owned),
            form: Some(body),
            accept: "application/json",
            bearer: None,
            json: None,
        }
    }
}

pub struct Conn {
    target: Target,
    sender: Option<SendRequest<Full<Bytes>>>,
}

impl Conn {
    pub fn new(target: &Target) -> Self {
        Self {
            target: target.clone(),
            sender: None,
        }
    }

    async fn connect(&mut self) -> Result<&mut SendRequest<Full<Bytes>>> {
        if self.sender.as_ref().is_none_or(|s| s.is_closed()) {
            let stream = TcpStream::connect(&self.target.authority)
                .await
                .with_context(|| format!("connecting to {}", self.target.authority))?;
            stream.set_nodelay(true)?;
            let (sender, conn) =
                hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
            tokio::spawn(async move {
                let _ = conn.await;
            });
            self.sender = Some(sender);
        }
        Ok(self.sender.as_mut().expect("just connected"))
    }

    /// Sends `req` and reads the whole answer. A transport error drops the connection (the
    /// next request opens a new one) and is returned.
    pub async fn send(&mut self, req: &Req) -> Result<Response> {
        let result = self.try_send(req).await;
        if result.is_err() {
            self.sender = None;
        }
        result
    }

    async fn try_send(&mut self, req: &Req) -> Result<Response> {
        let target = self.target.clone();
        let sender = self.connect().await?;
        sender.ready().await?;
        let mut builder = Request::builder()
            .method(req.method.clone())
            .uri(&req.path)
            .header("host", &target.authority)
            .header("accept", req.accept);
        if let Some(enc) = &target.accept_encoding {
            builder = builder.header("accept-encoding", enc);
        }
        if let Some(cookie) = &req.cookie {
            builder = builder.header("cookie", cookie);
        }
        if let Some(token) = &req.bearer {
            builder = builder.header("authorization", format!("Bearer {token}"));
        }
        let body = match (&req.form, &req.json) {
            (None, Some(json)) => {
                builder = builder.header("content-type", "application/json");
                Bytes::from(json.clone())
            }
            _ => match &req.form {
                Some(form) => {
                    // What a hydrated page's fetch sends: same-origin, with its Origin.
                    builder = builder
                        .header("content-type", "application/x-www-form-urlencoded")
                        .header("origin", target.origin())
                        .header("sec-fetch-site", "same-origin");
                    Bytes::from(form.clone())
                }
                None => Bytes::new(),
            },
        };
        let request = builder.body(Full::new(body))?;
        let response = sender.send_request(request).await?;
        let status = response.status().as_u16();
        let cookies = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or_default().trim().to_owned())
            .collect();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok());
        let body = response.into_body().collect().await?.to_bytes();
        Ok(Response {
            status,
            body,
            cookies,
            retry_after,
        })
    }
}
