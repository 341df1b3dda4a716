//! The list: its controls (search, filters, sort), each task, and the footer.

use chrono::{DateTime, Utc};
use leptos::{prelude::*, server_fn::ServerFn};
use leptos_router::components::{Form, A};

use crate::{
    error::AppError,
    forms::{prevent, FormAlert},
    tags::Tag,
    tasks::{
        api::{ClearCompleted, DeleteTask, SetAllCompleted, SetTaskCompleted},
        list::{Due, Filter, ListQuery, Sort},
        recurrence::Recurrence,
        Priority, Task, TaskPage,
    },
    zone::{date_label, moment_label, time_label, Zone},
};

use super::{
    form::{EditTaskForm, NewTaskForm},
    queue::after_the_writes,
    reminders::Reminders,
    store::{Forms, Store},
};
/// Whether a task is overdue (its date has passed, or its due time today) or due today, in
/// the person's zone. Done tasks never stand out.
pub(crate) fn due_state(task: &Task, zone: &Zone, now: DateTime<Utc>) -> Option<&'static str> {
    let due = task.due_date?;
    if task.completed {
        return None;
    }
    let today = zone.local(now).date();
    if due < today || task.due_at.is_some_and(|at| at <= now) {
        Some("overdue")
    } else if due == today {
        Some("today")
    } else {
        None
    }
}

/// "Due 24 Dec 2026, 09:30", "Due today", "Overdue: 23 Dec 2026".
pub(crate) fn due_label(task: &Task, state: Option<&str>) -> Option<String> {
    let date = task.due_date?;
    let time = task
        .due_time
        .map(|t| format!(", {}", time_label(t)))
        .unwrap_or_default();
    Some(match state {
        Some("overdue") => format!("Overdue: {}{time}", date_label(date)),
        Some("today") => format!("Due today{time}"),
        _ => format!("Due {}{time}", date_label(date)),
    })
}

/// "Repeats every week on Mon and Thu, from completion".
pub(crate) fn repeat_label(task: &Task) -> Option<String> {
    let rule = Recurrence::parse(task.repeat.as_deref()?).ok()?;
    let from = if task.repeat_from_completion {
        ", counted from completion"
    } else {
        ""
    };
    Some(format!("Repeats {}{from}", rule.summary()))
}

#[component]
pub(crate) fn TaskList(
    page: TaskPage,
    tags: Vec<Tag>,
    view: ListQuery,
    after: Option<String>,
    editing: Option<i64>,
    forms: Forms,
) -> impl IntoView {
    let store = Store {
        tasks: RwSignal::new(page.tasks),
        counts: RwSignal::new(page.counts),
        next_cursor: RwSignal::new(page.next_cursor),
        editing: RwSignal::new(editing),
        view: StoredValue::new(view.clone()),
        zone: StoredValue::new(page.zone.clone()),
        next_temp_id: StoredValue::new(-1),
        forms,
        conflict: RwSignal::new(None),
        draft: StoredValue::new(None),
        refreshing: StoredValue::new(None),
        moved: StoredValue::new(Vec::new()),
    };
    // Changes made elsewhere (another tab, device or program) show without a reload.
    Effect::new(move |_| {
        crate::live::on_change(move |change| {
            // The echo of the page's own write can come before that write's answer.
            after_the_writes(move || {
                if !store.already_shows(change) {
                    store.refresh();
                }
            });
        });
    });

    let visible = move || {
        store.view.with_value(|view| {
            store
                .tasks
                .get()
                .into_iter()
                .filter(|t| view.shows(t))
                .collect::<Vec<_>>()
        })
    };
    let narrowed = view.is_narrowed();
    let status = view.status;
    let all_done = move || {
        let c = store.counts.get();
        c.total() > 0 && c.active == 0
    };
    let is_paged = after.is_some();

    view! {
        <Reminders store />
        <NewTaskForm store />
        <Controls view=view.clone() tags />
        <FormAlert form=forms.action fields=vec![] />
        <Show when=move || { store.counts.get().total() > 0 }>
            <div class="toolbar">
                <form
                    method="post"
                    action=SetAllCompleted::url()
                    on:submit=move |ev| {
                        prevent(&ev);
                        store.set_all(!all_done());
                    }
                >
                    <input type="hidden" name="completed" value=move || (!all_done()).to_string() />
                    <button type="submit" class="subtle">
                        {move || if all_done() { "Mark all as not done" } else { "Mark all as done" }}
                    </button>
                </form>
            </div>
        </Show>
        <ul class="task-list" aria-label="Tasks">
            <For
                each=visible
                // The whole task: a change to any of its fields (made here, or elsewhere and
                // read again, such as a renamed tag) draws the row again.
                key=|t| t.clone()
                let:task
            >
                <TaskItem task store />
            </For>
        </ul>
        <Show when=move || visible().is_empty()>
            <p class="empty" data-testid="empty">
                {move || match (status, store.counts.get().total()) {
                    (_, 0) => "Nothing here yet. Add your first task above.",
                    _ if narrowed => "No tasks match. Try fewer filters or other words.",
                    (Filter::Active, _) => "Nothing left to do. Well done!",
                    (Filter::Completed, _) => "No completed tasks yet.",
                    (Filter::All, _) => "No tasks on this page.",
                }}
            </p>
        </Show>
        <Show when=move || store.next_cursor.get().is_some()>
            <p class="more">
                <a
                    class="button"
                    href=move || {
                        let cursor = store.next_cursor.get().unwrap_or_default();
                        store.view.with_value(|v| v.href(&[("after", &cursor)]))
                    }
                    on:click=move |ev| {
                        ev.prevent_default();
                        store.load_more();
                    }
                >
                    "Load more"
                </a>
            </p>
        </Show>
        {is_paged.then(|| view! {
            <p class="more"><a href=view.href(&[])>"Back to the first page"</a></p>
        })}
        <Footer store />
    }
}

#[component]
pub(crate) fn Footer(store: Store) -> impl IntoView {
    let view = store.view.get_value();
    view! {
        <footer class="list-footer">
            <span class="count" data-testid="items-left" aria-live="polite">
                {move || store.counts.get().items_left()}
            </span>
            <nav aria-label="Filter tasks" class="filters">
                {[Filter::All, Filter::Active, Filter::Completed]
                    .into_iter()
                    .map(|f| {
                        let selected = f == view.status;
                        view! {
                            <A
                                href=view.with_status(f).href(&[])
                                attr:aria-current=selected.then_some("page")
                                attr:class=if selected { "filter selected" } else { "filter" }
                            >
                                {f.label()}
                            </A>
                        }
                    })
                    .collect_view()}
            </nav>
            <Show when=move || { store.counts.get().completed > 0 }>
                <form
                    method="post"
                    action=ClearCompleted::url()
                    on:submit=move |ev| {
                        prevent(&ev);
                        store.clear_completed();
                    }
                >
                    <button type="submit" class="subtle">
                        {move || format!("Clear completed ({})", store.counts.get().completed)}
                    </button>
                </form>
            </Show>
        </footer>
    }
}

/// Search, filters and sort: a GET form, so every view is a URL that works without
/// JavaScript (and, hydrated, the router navigates without a reload).
#[component]
pub(crate) fn Controls(view: ListQuery, tags: Vec<Tag>) -> impl IntoView {
    let narrowed = view.is_narrowed() || view.sort != Sort::Newest;
    let status = view.status;
    let clear_href = ListQuery {
        status,
        ..Default::default()
    }
    .href(&[]);
    let tag_names: Vec<String> = tags.iter().map(|t| t.name.clone()).collect();
    let priority = view.priority;
    let due = view.due;
    let sort = view.sort;
    let tag = view.tag.clone();
    let repeating = view.repeating;
    view! {
        <Form method="GET" action="/" attr:class="controls card" attr:role="search" attr:aria-label="Search and filter tasks">
            {(status != Filter::All)
                .then(|| view! { <input type="hidden" name="filter" value=status.as_str() /> })}
            <div class="field search">
                <label for="list-search">"Search"</label>
                <input
                    id="list-search"
                    type="search"
                    name="q"
                    value=view.search.clone().unwrap_or_default()
                    placeholder="Words in title or description"
                    maxlength="100"
                />
            </div>
            <div class="field">
                <label for="list-priority">"Priority"</label>
                <select id="list-priority" name="priority">
                    <option value="" selected=priority.is_none()>"Any"</option>
                    {Priority::ALL
                        .into_iter()
                        .map(|p| view! { <option value=p.as_str() selected=priority == Some(p)>{p.label()}</option> })
                        .collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="list-tag">"Tag"</label>
                <select id="list-tag" name="tag">
                    <option value="" selected=tag.is_none()>"Any"</option>
                    {tags
                        .into_iter()
                        .map(|t| {
                            let selected = tag.as_deref().is_some_and(|v| v.eq_ignore_ascii_case(&t.name));
                            let label = format!("{} ({})", t.name, t.tasks);
                            view! { <option value=t.name selected=selected>{label}</option> }
                        })
                        .collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="list-due">"Due"</label>
                <select id="list-due" name="due">
                    <option value="" selected=due.is_none()>"Any time"</option>
                    {Due::ALL
                        .into_iter()
                        .map(|d| view! { <option value=d.as_str() selected=due == Some(d)>{d.label()}</option> })
                        .collect_view()}
                </select>
            </div>
            <div class="field check">
                <input id="list-repeating" type="checkbox" name="repeating" value="1" checked=repeating />
                <label for="list-repeating">"Repeating only"</label>
            </div>
            <div class="field">
                <label for="list-sort">"Sort"</label>
                <select id="list-sort" name="sort">
                    {Sort::ALL
                        .into_iter()
                        .map(|s| view! { <option value=s.as_str() selected=sort == s>{s.label()}</option> })
                        .collect_view()}
                </select>
            </div>
            <div class="control-actions">
                <button type="submit">"Apply"</button>
                {narrowed.then(|| view! { <A href=clear_href>"Clear"</A> })}
                <A href="/tags">"Manage tags"</A>
            </div>
            <datalist id="tag-names">
                {tag_names.into_iter().map(|n| view! { <option value=n></option> }).collect_view()}
            </datalist>
        </Form>
    }
}

#[component]
pub(crate) fn TaskItem(task: Task, store: Store) -> impl IntoView {
    let id = task.id;
    let pending = id < 0;
    let is_editing = move || store.editing.get() == Some(id);
    let task = StoredValue::new(task);
    let title = task.with_value(|t| t.title.clone());
    let completed = task.with_value(|t| t.completed);
    let version = task.with_value(|t| t.version);
    // A change refused because the task had changed elsewhere: hydrated, the store marks it;
    // without JavaScript, the refused post's kept error names this task.
    let conflicted = move || {
        store.conflict.get() == Some(id)
            || (store.forms.action.error() == Some(AppError::Conflict)
                && store.forms.action.kept_value("id") == Some(id.to_string()))
    };
    let edit_href = store
        .view
        .with_value(|v| v.href(&[("edit", &id.to_string())]));
    let start_editing = move || {
        if !pending {
            store.forms.edit_result.set(None);
            store.editing.set(Some(id));
        }
    };
    view! {
        <li
            class="task"
            class:completed=completed
            class:pending=pending
            data-testid="task"
            on:dblclick=move |_| {
                if !is_editing() {
                    start_editing();
                }
            }
        >
            <Show
                when=is_editing
                fallback=move || {
                    let task = task.get_value();
                    let title = title.clone();
                    view! {
                        <form
                            method="post"
                            action=SetTaskCompleted::url()
                            class="toggle"
                            on:submit=move |ev| {
                                prevent(&ev);
                                store.toggle(id, !completed);
                            }
                        >
                            <input type="hidden" name="id" value=id />
                            <input type="hidden" name="version" value=version />
                            <input type="hidden" name="completed" value=(!completed).to_string() />
                            <input
                                type="checkbox"
                                id=format!("task-{id}-done")
                                checked=completed
                                disabled=pending
                                aria-label=format!("Done: {title}")
                                on:change=move |_| store.toggle(id, !completed)
                            />
                            <button type="submit" class="subtle nojs-only">
                                {if completed { "Mark not done" } else { "Mark done" }}
                            </button>
                        </form>
                        <div class="task-body">
                            <span class="task-title">{task.title.clone()}</span>
                            {task.description.clone().map(|d| view! { <p class="task-description">{d}</p> })}
                            <div class="task-meta">
                                {(task.priority != Priority::None).then(|| view! {
                                    <span class=format!("badge priority-{}", task.priority.as_str())>
                                        {format!("{} priority", task.priority.label())}
                                    </span>
                                })}
                                {
                                    let zone = store.zone.get_value();
                                    let state = due_state(&task, &zone, Utc::now());
                                    due_label(&task, state).map(|label| view! {
                                        <span
                                            class="badge due"
                                            class:overdue=state == Some("overdue")
                                            class:today=state == Some("today")
                                        >
                                            {label}
                                        </span>
                                    })
                                }
                                {repeat_label(&task).map(|label| view! {
                                    <span class="badge repeat">{label}</span>
                                })}
                                {task.remind_at.filter(|_| !completed).map(|at| view! {
                                    <span class="badge remind">
                                        {format!("Reminder {}", moment_label(&at, &store.zone.get_value()))}
                                    </span>
                                })}
                                {task.tags.iter().map(|tag| {
                                    let href = ListQuery { tag: Some(tag.clone()), ..Default::default() }.href(&[]);
                                    view! { <a class="badge tag" href=href>{format!("#{tag}")}</a> }
                                }).collect_view()}
                                <time class="task-date" datetime=task.created_at.to_rfc3339()>
                                    {moment_label(&task.created_at, &store.zone.get_value())}
                                </time>
                            </div>
                            <Show when=conflicted>
                                <p class="conflict" role="alert">
                                    "This task was changed elsewhere, so your change was not saved. \
                                     It shows as it is now."
                                </p>
                            </Show>
                        </div>
                        <div class="task-actions">
                            <a
                                class="button subtle"
                                id=format!("task-{id}-edit")
                                href=edit_href.clone()
                                aria-label=format!("Edit: {}", task.title)
                                on:click=move |ev| {
                                    ev.prevent_default();
                                    start_editing();
                                }
                            >
                                "Edit"
                            </a>
                            <form
                                method="post"
                                action=DeleteTask::url()
                                on:submit=move |ev| {
                                    prevent(&ev);
                                    store.delete(id);
                                }
                            >
                                <input type="hidden" name="id" value=id />
                                <button
                                    type="submit"
                                    class="subtle danger-text"
                                    disabled=pending
                                    aria-label=format!("Delete: {}", task.title)
                                >
                                    "Delete"
                                </button>
                            </form>
                        </div>
                    }
                }
            >
                <EditTaskForm task=task.get_value() store />
            </Show>
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, NaiveTime};

    fn task(due: &str, time: Option<(&str, &str)>) -> Task {
        Task {
            id: 1,
            title: "t".into(),
            description: None,
            completed: false,
            priority: Priority::None,
            due_date: NaiveDate::parse_from_str(due, "%Y-%m-%d").ok(),
            due_time: time.map(|(t, _)| NaiveTime::parse_from_str(t, "%H:%M").unwrap()),
            due_at: time.map(|(_, at)| at.parse().unwrap()),
            repeat: None,
            repeat_from_completion: false,
            remind_at: None,
            remind_before_minutes: None,
            tags: vec![],
            created_at: Utc::now(),
            updated_at: Utc::now(),
            version: 1,
        }
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn today_and_overdue_are_seen_from_the_persons_zone() {
        let auckland = Zone::parse("Pacific/Auckland").unwrap();
        let honolulu = Zone::parse("Pacific/Honolulu").unwrap();
        // 11:30 UTC on 1 December: already the 2nd in Auckland (00:30), still the 1st in
        // Honolulu (01:30).
        let now: DateTime<Utc> = "2026-12-01T11:30:00Z".parse().unwrap();
        let first = task("2026-12-01", None);
        assert_eq!(due_state(&first, &auckland, now), Some("overdue"));
        assert_eq!(due_state(&first, &honolulu, now), Some("today"));
        let second = task("2026-12-02", None);
        assert_eq!(due_state(&second, &auckland, now), Some("today"));
        assert_eq!(due_state(&second, &honolulu, now), None);
        // A due time today that has passed is overdue; one still to come is today.
        let passed = task("2026-12-02", Some(("00:15", "2026-12-01T11:15:00Z")));
        assert_eq!(due_state(&passed, &auckland, now), Some("overdue"));
        let later = task("2026-12-02", Some(("09:00", "2026-12-01T20:00:00Z")));
        assert_eq!(due_state(&later, &auckland, now), Some("today"));
        assert_eq!(
            due_label(&later, Some("today")).unwrap(),
            "Due today, 09:00"
        );
        let mut done = first.clone();
        done.completed = true;
        assert_eq!(due_state(&done, &auckland, now), None);
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn moments_are_shown_on_the_persons_clock() {
        let at: DateTime<Utc> = "2026-11-27T16:04:00Z".parse().unwrap();
        assert_eq!(moment_label(&at, &Zone::default()), "27 Nov 2026, 16:04");
        let tokyo = Zone::parse("Asia/Tokyo").unwrap();
        assert_eq!(moment_label(&at, &tokyo), "28 Nov 2026, 01:04");
    }

    #[test]
    fn labels_say_the_due_time_and_the_repeat() {
        let mut t = task("2026-12-24", None);
        assert_eq!(due_label(&t, None).unwrap(), "Due 24 Dec 2026");
        assert_eq!(
            due_label(&t, Some("overdue")).unwrap(),
            "Overdue: 24 Dec 2026"
        );
        t.repeat = Some("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH".into());
        assert_eq!(
            repeat_label(&t).unwrap(),
            "Repeats every 2 weeks on Mon and Thu"
        );
        t.repeat_from_completion = true;
        t.repeat = Some("FREQ=DAILY".into());
        assert_eq!(
            repeat_label(&t).unwrap(),
            "Repeats every day, counted from completion"
        );
        assert_eq!(due_label(&task("", None), None), None);
    }
}
