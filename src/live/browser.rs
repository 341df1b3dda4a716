//! The page's end of live updates (hydrated only).
//!
//! One stream per browser, not per tab: HTTP/1.1 allows six connections to an origin, and a
//! person with seven tabs open would otherwise have the seventh wait forever. The tabs elect
//! one of them with a Web Lock (`navigator.locks`): the holder opens the `EventSource` and
//! passes every change on to the other tabs over a `BroadcastChannel`. When it closes, the
//! lock passes to another tab, which opens the stream (and so starts with a resync). Where
//! Web Locks are missing (an insecure origin, an old browser) every tab has its own stream.
//!
//! Every tab also resyncs when it becomes visible again: a sleeping laptop's tab may have
//! missed anything.

use std::{cell::RefCell, rc::Rc, time::Duration};

use leptos::prelude::*;
use wasm_bindgen::{prelude::*, JsCast};
use web_sys::{BroadcastChannel, EventSource, MessageEvent};

use super::Change;

const STREAM_URL: &str = "/api/events";
const CHANNEL: &str = "tasklist-live";
const LOCK: &str = "tasklist-live";
/// Waits before opening a refused stream again (a 401 after sign-out, a full server), the
/// next one twice as long, up to the last.
const RETRY: [Duration; 4] = [
    Duration::from_secs(2),
    Duration::from_secs(5),
    Duration::from_secs(15),
    Duration::from_secs(60),
];

#[wasm_bindgen]
extern "C" {
    /// `navigator.locks` (web-sys has it only behind its unstable APIs).
    type LockManager;
    #[wasm_bindgen(method)]
    fn request(this: &LockManager, name: &str, callback: &js_sys::Function) -> js_sys::Promise;
}

type Listener = Rc<dyn Fn(Change)>;

#[derive(Default)]
struct State {
    started: bool,
    next_id: u64,
    listeners: Vec<(u64, Listener)>,
    channel: Option<BroadcastChannel>,
    failures: usize,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
}

/// Calls `f` with every change this tab hears of, until the calling owner is cleaned up
/// (the component goes away). Starts listening on first use.
pub fn on_change(f: impl Fn(Change) + 'static) {
    start();
    let id = STATE.with_borrow_mut(|s| {
        s.next_id += 1;
        s.listeners.push((s.next_id, Rc::new(f)));
        s.next_id
    });
    on_cleanup(move || STATE.with_borrow_mut(|s| s.listeners.retain(|(i, _)| *i != id)));
}

/// Hands `change` to every listener of this tab.
fn deliver(change: Change) {
    // Listeners run outside the borrow: one may register or remove another.
    let listeners: Vec<Listener> =
        STATE.with_borrow(|s| s.listeners.iter().map(|(_, l)| l.clone()).collect());
    for listener in listeners {
        listener(change);
    }
}

fn start() {
    if STATE.with_borrow_mut(|s| std::mem::replace(&mut s.started, true)) {
        return;
    }
    // Changes the leading tab passes on.
    if let Ok(channel) = BroadcastChannel::new(CHANNEL) {
        let on_message = Closure::<dyn Fn(MessageEvent)>::new(|ev: MessageEvent| {
            if let Some(change) = ev.data().as_string().and_then(|d| parse(&d)) {
                deliver(change);
            }
        });
        channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        on_message.forget();
        STATE.with_borrow_mut(|s| s.channel = Some(channel));
    }
    // A tab that wakes reads everything again.
    let on_visible = Closure::<dyn Fn()>::new(|| {
        if !document().hidden() {
            deliver(Change::Resync);
        }
    });
    let _ = document()
        .add_event_listener_with_callback("visibilitychange", on_visible.as_ref().unchecked_ref());
    on_visible.forget();

    match lock_manager() {
        Some(locks) => {
            // Granted to one tab at a time; held until that tab closes (the promise given
            // back never settles).
            let lead = Closure::once_into_js(|_lock: JsValue| -> JsValue {
                open_stream();
                js_sys::Promise::new(&mut |_, _| {}).into()
            });
            let _ = locks.request(LOCK, lead.unchecked_ref());
        }
        None => open_stream(),
    }
}

fn lock_manager() -> Option<LockManager> {
    let locks = js_sys::Reflect::get(&window().navigator(), &JsValue::from_str("locks")).ok()?;
    (!locks.is_undefined() && !locks.is_null()).then(|| locks.unchecked_into())
}

fn parse(data: &str) -> Option<Change> {
    serde_json::from_str(data).ok()
}

/// Opens the stream in this tab; it passes every change on to the other tabs. The browser
/// reconnects by itself after a dropped connection; a refused one (closed for good) is
/// opened again after a wait.
fn open_stream() {
    let Ok(source) = EventSource::new(STREAM_URL) else {
        return;
    };
    let on_message = Closure::<dyn Fn(MessageEvent)>::new(|ev: MessageEvent| {
        let Some(data) = ev.data().as_string() else {
            return;
        };
        if let Some(change) = parse(&data) {
            STATE.with_borrow_mut(|s| s.failures = 0);
            deliver(change);
            if let Some(channel) = STATE.with_borrow(|s| s.channel.clone()) {
                let _ = channel.post_message(&JsValue::from_str(&data));
            }
        }
    });
    source.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();

    let watched = source.clone();
    let on_error = Closure::<dyn Fn()>::new(move || {
        if watched.ready_state() != EventSource::CLOSED {
            return; // reconnecting by itself
        }
        let wait = STATE.with_borrow_mut(|s| {
            let wait = RETRY[s.failures.min(RETRY.len() - 1)];
            s.failures += 1;
            wait
        });
        set_timeout(open_stream, wait);
    });
    source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    on_error.forget();
}
