//! [ssr] Admission: how much of each kind of costly work this instance takes on at once,
//! decided before the work starts (before a body is read, before a file is parsed, before an
//! export streams), and refused at once with "busy, try again" (503, `Retry-After`) past it.
//! Below every capability; `state` holds one `Gate` per kind of work.
//!
//! - `Gate`: a number of places on the instance, and one (or a few) per person, for work
//!   that holds a lot of memory for a while (imports hold their file, exports a page).
//! - `BodyReads`: places for reading request bodies of up to `BODY_LIMIT_BYTES`, so many
//!   clients sending bodies at once cannot hold more than `places × limit` bytes, and an
//!   eighth of them per client address, so one client sending bodies slowly cannot take
//!   them all.

use std::{
    collections::HashMap,
    hash::Hash,
    sync::{Arc, Mutex},
};

use axum::{
    extract::{Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use uuid::Uuid;

use crate::{
    client::{RateKey, TrustedProxies},
    error::AppError,
};

/// Places for one kind of work: `total` on this instance, `per_person` for each person (or
/// each key of another kind: a client address).
#[derive(Clone, Debug)]
pub struct Gate<K = Uuid> {
    places: Arc<Semaphore>,
    per_person: usize,
    people: Arc<Mutex<HashMap<K, usize>>>,
}

/// A place taken; given back when dropped.
#[derive(Debug)]
pub struct Pass<K: Hash + Eq = Uuid> {
    _place: OwnedSemaphorePermit,
    person: K,
    people: Arc<Mutex<HashMap<K, usize>>>,
}

impl<K: Hash + Eq + Clone> Gate<K> {
    pub fn new(total: usize, per_person: usize) -> Self {
        Self {
            places: Arc::new(Semaphore::new(total)),
            per_person: per_person.max(1),
            people: Arc::default(),
        }
    }

    /// A place for `person`, or `Unavailable` at once when the instance or the person has
    /// none free. Never waits: a waiting request would hold its connection (and its body)
    /// all the same.
    pub fn admit(&self, person: K) -> Result<Pass<K>, AppError> {
        let mut people = self.people.lock().unwrap_or_else(|e| e.into_inner());
        let held = people.get(&person).copied().unwrap_or(0);
        if held >= self.per_person {
            return Err(AppError::Unavailable);
        }
        let place = self
            .places
            .clone()
            .try_acquire_owned()
            .map_err(|_| AppError::Unavailable)?;
        people.insert(person.clone(), held + 1);
        Ok(Pass {
            _place: place,
            person,
            people: self.people.clone(),
        })
    }

    /// Places free on the instance now.
    pub fn free(&self) -> usize {
        self.places.available_permits()
    }
}

impl<K: Hash + Eq> Drop for Pass<K> {
    fn drop(&mut self) {
        let mut people = self.people.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(held) = people.get_mut(&self.person) {
            *held -= 1;
            if *held == 0 {
                people.remove(&self.person);
            }
        }
    }
}

/// Places for reading request bodies (every route but the imports, which take a `Gate`'s
/// place of their own before they read), by client address.
#[derive(Clone, Debug)]
pub struct BodyReads {
    gate: Gate<RateKey>,
    proxies: TrustedProxies,
}

impl BodyReads {
    /// `places` in all, an eighth of them (at least one) for each client address.
    pub fn new(places: usize, proxies: TrustedProxies) -> Self {
        Self {
            gate: Gate::new(places, (places / 8).max(1)),
            proxies,
        }
    }
}

/// Whether `req` comes with a body to read: a length above zero, or a chunked one.
fn has_body(req: &Request) -> bool {
    let headers = req.headers();
    if headers.contains_key(http::header::TRANSFER_ENCODING) {
        return true;
    }
    headers
        .get(http::header::CONTENT_LENGTH)
        .is_some_and(|v| v.to_str().map_or(true, |v| v.trim() != "0"))
}

/// Middleware: a request with a body takes a place before any handler reads it, and holds
/// it until its answer is made; with none free it is answered 503 at once, unread.
pub async fn admit_bodies(State(reads): State<BodyReads>, req: Request, next: Next) -> Response {
    if !has_body(&req) {
        return next.run(req).await;
    }
    let client = reads.proxies.rate_key(req.extensions(), req.headers());
    let Ok(_place) = reads.gate.admit(client) else {
        return AppError::Unavailable.into_response();
    };
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gate_has_places_for_the_instance_and_for_each_person() {
        let gate: Gate = Gate::new(2, 1);
        let (a, b, c) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let first = gate.admit(a).unwrap();
        assert_eq!(
            gate.admit(a).unwrap_err(),
            AppError::Unavailable,
            "one each"
        );
        let second = gate.admit(b).unwrap();
        assert_eq!(
            gate.admit(c).unwrap_err(),
            AppError::Unavailable,
            "two in all"
        );
        assert_eq!(gate.free(), 0);
        drop(first);
        assert_eq!(gate.free(), 1);
        let again = gate.admit(a).unwrap();
        drop((second, again));
        assert_eq!(gate.free(), 2);
        assert!(
            gate.people.lock().unwrap().is_empty(),
            "nobody is remembered"
        );
    }

    #[test]
    fn a_request_has_a_body_when_its_length_is_not_zero_or_it_is_chunked() {
        let req = |headers: &[(&str, &str)]| {
            let mut req = Request::new(axum::body::Body::empty());
            for (name, value) in headers {
                req.headers_mut().insert(
                    http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                    http::HeaderValue::from_str(value).unwrap(),
                );
            }
            req
        };
        assert!(!has_body(&req(&[])));
        assert!(!has_body(&req(&[("content-length", "0")])));
        assert!(has_body(&req(&[("content-length", "12")])));
        assert!(has_body(&req(&[("transfer-encoding", "chunked")])));
    }
}
