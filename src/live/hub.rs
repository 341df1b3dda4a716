//! The open streams of this instance, by person, and what reaches them: each notification
//! goes to the streams of the person it names and to no one else.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, MutexGuard},
};

use serde::Deserialize;
use tokio::sync::{broadcast, watch};
use uuid::Uuid;

use super::Change;
use crate::client::RateKey;

/// Signals a stream may miss while it is slow before it is told to resync instead.
const BACKLOG: usize = 64;

/// What a stream is told.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    /// Pass this on to the page.
    Change(Change),
    /// A session of this person ended: check that this stream's session is still signed in.
    Session,
}

/// How many streams may be open: per person, per client address (so that a few hundred
/// free accounts from one place cannot take every place) and on this instance.
#[derive(Clone, Copy, Debug)]
pub struct StreamLimits {
    pub per_user: usize,
    pub per_address: usize,
    pub total: usize,
}

/// Why a stream was not opened.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// This person has `per_user` streams open already.
    UserFull,
    /// This client address has `per_address` streams open already.
    AddressFull,
    /// This instance has `total` streams open already.
    Full,
}

/// The open streams of this instance.
pub struct Hub {
    streams: Mutex<Streams>,
    limits: StreamLimits,
    /// Becomes true when the server shuts down: every stream ends, so that shutdown does not
    /// wait for pages that never close.
    closing: watch::Sender<bool>,
}

/// Each person's channel to their open streams, and how many streams are open in all.
#[derive(Default)]
struct Streams {
    by_user: HashMap<Uuid, broadcast::Sender<Signal>>,
    by_address: HashMap<RateKey, usize>,
    open: usize,
}

/// One open stream: its signals, and its place, given back when dropped.
pub struct Subscription {
    hub: Arc<Hub>,
    user: Uuid,
    address: RateKey,
    pub signals: broadcast::Receiver<Signal>,
    pub closing: watch::Receiver<bool>,
}

/// A notification's payload as the triggers write it.
#[derive(Deserialize)]
struct Payload {
    u: Uuid,
    k: String,
    id: Option<i64>,
    v: Option<i32>,
}

/// Reads a notification's payload: whose it is and what it says, or `None` for anything
/// else (logged: only this app's triggers write on the channel).
pub fn parse(payload: &str) -> Option<(Uuid, Signal)> {
    let p: Payload = serde_json::from_str(payload).ok()?;
    let signal = match (p.k.as_str(), p.id, p.v) {
        ("task", Some(id), Some(v)) => Signal::Change(Change::Task { id, v }),
        ("deleted", Some(id), _) => Signal::Change(Change::Deleted { id }),
        ("tasks", _, _) => Signal::Change(Change::Tasks),
        ("tags", _, _) => Signal::Change(Change::Tags),
        ("session", _, _) => Signal::Session,
        _ => return None,
    };
    Some((p.u, signal))
}

impl Hub {
    pub fn new(limits: StreamLimits) -> Arc<Self> {
        Arc::new(Self {
            streams: Mutex::new(Streams::default()),
            limits,
            closing: watch::Sender::new(false),
        })
    }

    fn streams(&self) -> MutexGuard<'_, Streams> {
        // A panic while holding this lock leaves it consistent (each operation is one insert
        // or remove and its count), so a poisoned lock is used as it is.
        self.streams.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Opens a stream for `user` from client `address`, unless a limit is reached.
    pub fn subscribe(
        self: &Arc<Self>,
        user: Uuid,
        address: RateKey,
    ) -> Result<Subscription, Refused> {
        let mut streams = self.streams();
        if streams.open >= self.limits.total {
            return Err(Refused::Full);
        }
        if streams.by_address.get(&address).copied().unwrap_or(0) >= self.limits.per_address {
            return Err(Refused::AddressFull);
        }
        let sender = streams
            .by_user
            .entry(user)
            .or_insert_with(|| broadcast::channel(BACKLOG).0);
        if sender.receiver_count() >= self.limits.per_user {
            return Err(Refused::UserFull);
        }
        let signals = sender.subscribe();
        streams.open += 1;
        *streams.by_address.entry(address.clone()).or_insert(0) += 1;
        Ok(Subscription {
            hub: self.clone(),
            user,
            address,
            signals,
            closing: self.closing.subscribe(),
        })
    }

    /// Hands a notification's payload to the streams of the person it names.
    pub fn dispatch(&self, payload: &str) {
        match parse(payload) {
            Some((user, signal)) => self.publish(user, signal),
            None => tracing::warn!(len = payload.len(), "a notification that is not ours"),
        }
    }

    /// Sends `signal` to `user`'s open streams on this instance (none: nothing happens).
    pub fn publish(&self, user: Uuid, signal: Signal) {
        if let Some(sender) = self.streams().by_user.get(&user) {
            // An error only means no stream is left; `Subscription::drop` tidies up.
            let _ = sender.send(signal);
        }
    }

    /// Tells every open stream to resync: events may have been lost.
    pub fn resync_all(&self) {
        for sender in self.streams().by_user.values() {
            let _ = sender.send(Signal::Change(Change::Resync));
        }
    }

    /// How many streams are open on this instance.
    pub fn open_streams(&self) -> usize {
        self.streams().open
    }

    /// Ends every stream, now and from now on (the server is shutting down).
    pub fn close(&self) {
        self.closing.send_replace(true);
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let mut streams = self.hub.streams();
        streams.open -= 1;
        if let Some(held) = streams.by_address.get_mut(&self.address) {
            *held -= 1;
            if *held == 0 {
                streams.by_address.remove(&self.address);
            }
        }
        // This subscription's receiver is still alive here, so 1 means "the last one".
        if streams
            .by_user
            .get(&self.user)
            .is_some_and(|s| s.receiver_count() <= 1)
        {
            streams.by_user.remove(&self.user);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hub(per_user: usize, total: usize) -> Arc<Hub> {
        Hub::new(StreamLimits {
            per_user,
            per_address: total,
            total,
        })
    }

    fn here() -> RateKey {
        RateKey::of(std::net::Ipv4Addr::LOCALHOST.into())
    }

    #[test]
    fn a_change_reaches_its_person_and_nobody_else() {
        let hub = hub(4, 10);
        let (ada, bob) = (Uuid::new_v4(), Uuid::new_v4());
        let mut ada1 = hub.subscribe(ada, here()).unwrap();
        let mut ada2 = hub.subscribe(ada, here()).unwrap();
        let mut bob1 = hub.subscribe(bob, here()).unwrap();
        hub.dispatch(&format!(r#"{{"u":"{ada}","k":"task","id":5,"v":2}}"#));
        let expected = Signal::Change(Change::Task { id: 5, v: 2 });
        assert_eq!(ada1.signals.try_recv().unwrap(), expected);
        assert_eq!(ada2.signals.try_recv().unwrap(), expected);
        assert!(
            bob1.signals.try_recv().is_err(),
            "bob hears nothing of ada's"
        );
    }

    #[test]
    fn payloads_are_read_strictly() {
        let u = Uuid::new_v4();
        assert_eq!(
            parse(&format!(r#"{{"u":"{u}","k":"deleted","id":3}}"#)),
            Some((u, Signal::Change(Change::Deleted { id: 3 })))
        );
        assert_eq!(
            parse(&format!(r#"{{"u":"{u}","k":"session"}}"#)),
            Some((u, Signal::Session))
        );
        for bad in [
            "",
            "{}",
            "not json",
            r#"{"u":"nope","k":"tasks"}"#,
            &format!(r#"{{"u":"{u}","k":"task","id":3}}"#),
            &format!(r#"{{"u":"{u}","k":"resync"}}"#),
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn limits_hold_per_person_and_in_all_and_places_come_back() {
        let hub = hub(2, 3);
        let (ada, bob) = (Uuid::new_v4(), Uuid::new_v4());
        let a1 = hub.subscribe(ada, here()).unwrap();
        let _a2 = hub.subscribe(ada, here()).unwrap();
        assert_eq!(hub.subscribe(ada, here()).err(), Some(Refused::UserFull));
        let _b1 = hub.subscribe(bob, here()).unwrap();
        assert_eq!(hub.subscribe(bob, here()).err(), Some(Refused::Full));
        assert_eq!(hub.open_streams(), 3);
        drop(a1);
        assert_eq!(hub.open_streams(), 2);
        assert!(hub.subscribe(bob, here()).is_ok());
    }

    #[test]
    fn one_client_address_holds_at_most_its_share_of_streams() {
        let hub = Hub::new(StreamLimits {
            per_user: 5,
            per_address: 3,
            total: 100,
        });
        let elsewhere = RateKey::of(std::net::Ipv4Addr::new(192, 0, 2, 7).into());
        // Three free accounts from one address fill its share; another address still gets in.
        let held: Vec<_> = (0..3)
            .map(|_| hub.subscribe(Uuid::new_v4(), here()).unwrap())
            .collect();
        assert_eq!(
            hub.subscribe(Uuid::new_v4(), here()).err(),
            Some(Refused::AddressFull)
        );
        assert!(hub.subscribe(Uuid::new_v4(), elsewhere).is_ok());
        drop(held);
        assert!(hub.subscribe(Uuid::new_v4(), here()).is_ok());
        assert_eq!(hub.streams().by_address.len(), 0, "nothing left of them");
    }

    #[test]
    fn the_last_stream_of_a_person_takes_their_entry_with_it() {
        let hub = hub(4, 10);
        let ada = Uuid::new_v4();
        let a1 = hub.subscribe(ada, here()).unwrap();
        let a2 = hub.subscribe(ada, here()).unwrap();
        drop(a1);
        assert!(hub.streams().by_user.contains_key(&ada));
        drop(a2);
        assert!(hub.streams().by_user.is_empty());
        assert_eq!(hub.open_streams(), 0);
    }

    #[test]
    fn a_slow_stream_is_told_to_resync_and_a_lost_listener_resyncs_everyone() {
        let hub = hub(4, 10);
        let ada = Uuid::new_v4();
        let mut slow = hub.subscribe(ada, here()).unwrap();
        for id in 0..(BACKLOG as i64 + 5) {
            hub.publish(ada, Signal::Change(Change::Task { id, v: 1 }));
        }
        assert!(matches!(
            slow.signals.try_recv(),
            Err(broadcast::error::TryRecvError::Lagged(_))
        ));
        let mut fresh = hub.subscribe(ada, here()).unwrap();
        hub.resync_all();
        assert_eq!(
            fresh.signals.try_recv().unwrap(),
            Signal::Change(Change::Resync)
        );
    }

    #[test]
    fn closing_reaches_every_stream() {
        let hub = hub(4, 10);
        let sub = hub.subscribe(Uuid::new_v4(), here()).unwrap();
        assert!(!*sub.closing.borrow());
        hub.close();
        assert!(*sub.closing.borrow());
    }
}
