//! Reminders on the open page. Hydrated only: the page asks for the person's reminders not
//! yet shown, first shows those missed while no page was open (as a list), then waits for
//! the soonest of the others and shows it at its moment, as a system notification when the
//! person allowed them and always as a banner on the page with "Done" and "Snooze". Each
//! is shown by the first of the person's open pages to take it (`claim_reminder`): one tab
//! of several, one device of several. A change to the list (here or elsewhere) makes the
//! page ask again, so a reminder moved, snoozed or completed elsewhere follows.

use chrono::{DateTime, Utc};
use leptos::{prelude::*, task::spawn_local};

use super::{queue::after_the_writes, store::Store};
use crate::{
    error::AppError,
    tasks::{
        api::set_task_completed,
        reminders::{claim_reminder, pending_reminders, snooze_reminder, Reminder},
    },
    zone::{date_label, moment_label, Zone},
};

/// What "Snooze" puts a reminder off by.
const SNOOZE_MINUTES: i64 = 10;
/// The longest the page waits before asking again while a reminder is coming: a computer
/// that slept through its timer is caught up within this.
const LONGEST_WAIT_MS: i64 = 5 * 60_000;
/// How often the page asks when no reminder is coming within the day it was told of (new
/// ones made anywhere arrive sooner, with the list's changes).
const IDLE_WAIT_MS: i64 = 60 * 60_000;

/// A reminder on the page, and whether it was missed (past before the page opened).
#[derive(Clone, Debug, PartialEq)]
struct Shown {
    reminder: Reminder,
    missed: bool,
}

/// "Due 24 Dec 2026, 09:30" for a reminder's task, if it has a due date.
fn due_words(reminder: &Reminder, zone: &Zone) -> Option<String> {
    match (reminder.due_at, reminder.due_date) {
        (Some(at), _) => Some(format!("Due {}", moment_label(&at, zone))),
        (None, Some(date)) => Some(format!("Due {}", date_label(date))),
        (None, None) => None,
    }
}

/// The browser's notification permission: `granted`, `denied`, `default`, or `unsupported`.
fn permission() -> String {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsValue;
        let window = window();
        let supported =
            js_sys::Reflect::has(&window, &JsValue::from_str("Notification")).unwrap_or(false);
        if !supported {
            return "unsupported".to_owned();
        }
        match web_sys::Notification::permission() {
            web_sys::NotificationPermission::Granted => "granted",
            web_sys::NotificationPermission::Denied => "denied",
            _ => "default",
        }
        .to_owned()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        "unsupported".to_owned()
    }
}

/// A system notification for `reminder`; clicking it brings the page forward.
fn notify(reminder: &Reminder, zone: &Zone) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::{closure::Closure, JsCast};
        let options = web_sys::NotificationOptions::new();
        options.set_body(&due_words(reminder, zone).unwrap_or_else(|| "Reminder".to_owned()));
        options.set_tag(&format!("task-{}", reminder.id));
        if let Ok(note) = web_sys::Notification::new_with_options(&reminder.title, &options) {
            let focus = Closure::<dyn Fn()>::new(|| {
                let _ = window().focus();
            });
            note.set_onclick(Some(focus.as_ref().unchecked_ref()));
            focus.forget();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (reminder, zone);
}

#[component]
pub(crate) fn Reminders(store: Store) -> impl IntoView {
    let shown = RwSignal::new(Vec::<Shown>::new());
    let upcoming = RwSignal::new(0usize);
    let allowed = RwSignal::new(String::from("unsupported"));
    let timer = StoredValue::new(None::<TimeoutHandle>);
    // Only the first answer's past reminders were missed; later ones are simply due now.
    let first = StoredValue::new(true);
    // One look at a time; asked again meanwhile, one more after it.
    let looking = StoredValue::new(None::<bool>);

    let show = move |reminder: Reminder, missed: bool| {
        if !missed && allowed.get_untracked() == "granted" {
            notify(&reminder, &store.zone.get_value());
        }
        shown.update(|s| {
            if !s.iter().any(|x| x.reminder.id == reminder.id) {
                s.push(Shown { reminder, missed });
            }
        });
    };

    // Each bump of `tick` makes the page look again (see `look`): the timer, the list's
    // changes and a look asked for while one ran.
    let tick = RwSignal::new(0u32);
    let again = move || tick.update(|t| *t = t.wrapping_add(1));
    // Asks for the reminders still to show, shows those whose moment has come (if this page
    // takes them first) and waits for the next.
    let look = move || {
        if let Some(asked) = looking.get_value() {
            if !asked {
                looking.set_value(Some(true));
            }
            return;
        }
        looking.set_value(Some(false));
        spawn_local(async move {
            if let Ok(pending) = pending_reminders().await {
                let now = Utc::now();
                let missed = first.get_value();
                first.set_value(false);
                let (past, future): (Vec<Reminder>, Vec<Reminder>) =
                    pending.into_iter().partition(|r| r.remind_at <= now);
                for reminder in past {
                    if claim_reminder(reminder.id, reminder.remind_at).await == Ok(true) {
                        show(reminder, missed);
                    }
                }
                upcoming.set(future.len());
                wait_for(future.first().map(|r| r.remind_at), timer, again);
            }
            let asked = looking.get_value() == Some(true);
            looking.set_value(None);
            if asked {
                again();
            }
        });
    };
    let look_now = again;

    // Effects run in the browser only: the server-rendered page never looks.
    Effect::new(move |_| {
        tick.track();
        look();
    });
    Effect::new(move |_| {
        allowed.set(permission());
        // A change made elsewhere may bring a reminder; the echo of the page's own write
        // only when the task it shows has one.
        crate::live::on_change(move |change| {
            after_the_writes(move || {
                if store.may_remind(change) {
                    again();
                }
            });
        });
    });
    on_cleanup(move || {
        if let Some(handle) = timer.try_get_value().flatten() {
            handle.clear();
        }
    });

    let dismiss = move |id: i64| shown.update(|s| s.retain(|x| x.reminder.id != id));
    let done = move |id: i64| {
        dismiss(id);
        if store.find(id).is_some() {
            store.toggle(id, true);
        } else {
            spawn_local(async move {
                if let Err(error) = set_task_completed(id, true, None).await {
                    store.report(error.into());
                }
            });
        }
    };
    let snooze = move |id: i64| {
        dismiss(id);
        spawn_local(async move {
            match snooze_reminder(id, SNOOZE_MINUTES).await {
                Ok(_) => look_now(),
                Err(AppError::NotFound) => {}
                Err(error) => store.report(error),
            }
        });
    };
    let ask_permission = move |_| {
        #[cfg(feature = "hydrate")]
        if let Ok(promise) = web_sys::Notification::request_permission() {
            spawn_local(async move {
                let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
                allowed.set(permission());
            });
        }
    };

    let item = move |entry: Shown| {
        let Shown { reminder, missed } = entry;
        let id = reminder.id;
        let due = due_words(&reminder, &store.zone.get_value());
        let at = moment_label(&reminder.remind_at, &store.zone.get_value());
        view! {
            <li class="reminder" class:missed=missed role=(!missed).then_some("alert")>
                <div class="reminder-text">
                    <strong>{reminder.title.clone()}</strong>
                    <span class="hint">
                        {if missed { format!("Reminder was at {at}") } else { "Reminder".to_owned() }}
                        {due.map(|d| format!(" · {d}"))}
                    </span>
                </div>
                <div class="reminder-actions">
                    <button type="button" class="primary" on:click=move |_| done(id)
                        aria-label=format!("Done: {}", reminder.title)>"Done"</button>
                    <button type="button" class="subtle" on:click=move |_| snooze(id)
                        aria-label=format!("Snooze 10 minutes: {}", reminder.title)>"Snooze 10 min"</button>
                    <button type="button" class="subtle" on:click=move |_| dismiss(id)
                        aria-label=format!("Dismiss: {}", reminder.title)>"Dismiss"</button>
                </div>
            </li>
        }
    };
    let missed = move || {
        shown
            .get()
            .into_iter()
            .filter(|s| s.missed)
            .collect::<Vec<_>>()
    };
    let now_due = move || {
        shown
            .get()
            .into_iter()
            .filter(|s| !s.missed)
            .collect::<Vec<_>>()
    };
    view! {
        <section class="reminders" aria-label="Reminders"
            hidden=move || shown.with(Vec::is_empty) && !(allowed.get() == "default" && upcoming.get() > 0)>
            <Show when=move || allowed.get() == "default" && (upcoming.get() > 0 || !shown.with(Vec::is_empty))>
                <p class="reminders-permission">
                    "Reminders show on this page while it is open. "
                    <button type="button" class="subtle" on:click=ask_permission>
                        "Turn on notifications"
                    </button>
                </p>
            </Show>
            <Show when=move || !missed().is_empty()>
                <h2 class="reminders-heading">"Missed reminders"</h2>
                <ul class="reminder-list" data-testid="missed-reminders">
                    <For each=missed key=|s| s.reminder.id let:entry>{item(entry)}</For>
                </ul>
            </Show>
            <ul class="reminder-list" data-testid="due-reminders">
                <For each=now_due key=|s| s.reminder.id let:entry>{item(entry)}</For>
            </ul>
        </section>
    }
}

/// Waits until `next` (at most `LONGEST_WAIT_MS`; `IDLE_WAIT_MS` when nothing is coming),
/// then looks `again`.
fn wait_for(
    next: Option<DateTime<Utc>>,
    timer: StoredValue<Option<TimeoutHandle>>,
    again: impl Fn() + 'static,
) {
    if let Some(handle) = timer.get_value() {
        handle.clear();
    }
    let wait = match next {
        Some(next) => (next - Utc::now())
            .num_milliseconds()
            .clamp(0, LONGEST_WAIT_MS),
        None => IDLE_WAIT_MS,
    };
    let handle = set_timeout_with_handle(again, std::time::Duration::from_millis(wait as u64)).ok();
    timer.set_value(handle);
}
