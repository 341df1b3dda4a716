//! The task page: add, list, toggle, edit, delete, filter, mark all, clear completed.
//!
//! Every control is a real form that posts to its server function, so the page works with
//! JavaScript off (the server redirects back). Hydrated, the same forms are intercepted:
//! the change shows at once (optimistic) and is rolled back with a message if the server
//! refuses it.

use chrono::{DateTime, Duration, Utc};
use leptos::{either::Either, ev, html, prelude::*, server_fn::ServerFn, task::spawn_local};
use leptos_meta::Title;
use leptos_router::{
    components::{Redirect, A},
    hooks::use_query_map,
};

use super::{
    api::{
        list_tasks, AddTask, ClearCompleted, DeleteTask, SetAllCompleted, SetTaskCompleted,
        UpdateTask,
    },
    Counts, Filter, Task, TaskDescription, TaskPage, TaskTitle, DESCRIPTION_MAX_CHARS,
    TITLE_MAX_CHARS,
};
use crate::{
    auth::ui::{ErrorNotice, RequireUser},
    error::AppError,
    forms::{FormAlert, FormState},
};

#[component]
pub fn TasksPage() -> impl IntoView {
    view! {
        <Title text="Your tasks" />
        <RequireUser>
            <TaskBoard />
        </RequireUser>
    }
}

#[component]
fn TaskBoard() -> impl IntoView {
    let query = use_query_map();
    let filter = Memo::new(move |_| Filter::from_query(query.read().get("filter").as_deref()));
    let after = Memo::new(move |_| query.read().get("after").filter(|a| !a.is_empty()));
    let page = Resource::new(
        move || (filter.get(), after.get()),
        |(filter, after)| list_tasks(Some(filter.as_str().to_owned()), after),
    );
    // Errors of plain (no-JavaScript) form posts, kept across the redirect.
    let add_result = RwSignal::new(None::<Result<(), AppError>>);
    let edit_result = RwSignal::new(None::<Result<(), AppError>>);
    let action_result = RwSignal::new(None::<Result<(), AppError>>);
    let forms = Forms {
        add: FormState::new("add_task", add_result.into()),
        edit: FormState::new("update_task", edit_result.into()),
        action: FormState::new("task_action", action_result.into()),
        add_result,
        edit_result,
        action_result,
    };

    view! {
        <div class="board">
            <h1>"Your tasks"</h1>
            <Suspense fallback=|| view! { <p class="loading">"Loading your tasks…"</p> }>
                {move || Suspend::new(async move {
                    let page = page.await;
                    forms.add.loaded().await;
                    forms.edit.loaded().await;
                    forms.action.loaded().await;
                    match page {
                        Ok(page) => {
                            let editing = query
                                .read_untracked()
                                .get("edit")
                                .and_then(|id| id.parse::<i64>().ok());
                            Either::Left(view! {
                                <TaskList
                                    page
                                    filter=filter.get_untracked()
                                    after=after.get_untracked()
                                    editing
                                    forms
                                />
                            })
                        }
                        Err(AppError::Unauthorized) => {
                            Either::Right(view! { <Redirect path="/sign-in" /> }.into_any())
                        }
                        Err(AppError::BadRequest(_)) => Either::Right(view! {
                            <div class="form-alert" role="alert">
                                "That page of the list does not exist. "
                                <A href="/">"Go to the newest tasks"</A>
                            </div>
                        }.into_any()),
                        Err(error) => Either::Right(view! { <ErrorNotice error /> }.into_any()),
                    }
                })}
            </Suspense>
        </div>
    }
}

/// The forms of the page and their latest (hydrated) results.
#[derive(Clone, Copy)]
struct Forms {
    add: FormState,
    edit: FormState,
    action: FormState,
    add_result: RwSignal<Option<Result<(), AppError>>>,
    edit_result: RwSignal<Option<Result<(), AppError>>>,
    action_result: RwSignal<Option<Result<(), AppError>>>,
}

/// The list as the page shows it, changed at once by the person and reconciled with the
/// server's answers.
#[derive(Clone, Copy)]
struct Store {
    tasks: RwSignal<Vec<Task>>,
    counts: RwSignal<Counts>,
    next_cursor: RwSignal<Option<String>>,
    editing: RwSignal<Option<i64>>,
    filter: Filter,
    /// Minutes to subtract from UTC for local time; known once hydrated.
    tz_offset: RwSignal<Option<i64>>,
    next_temp_id: StoredValue<i64>,
    forms: Forms,
}

impl Store {
    fn report(&self, error: AppError) {
        self.forms.action_result.set(Some(Err(error)));
    }

    fn replace(&self, task: Task) {
        self.tasks.update(|ts| {
            if let Some(t) = ts.iter_mut().find(|t| t.id == task.id) {
                *t = task;
            }
        });
    }

    fn toggle(&self, id: i64, completed: bool) {
        let store = *self;
        let Some(before) = self
            .tasks
            .with_untracked(|ts| ts.iter().find(|t| t.id == id).cloned())
        else {
            return;
        };
        if before.completed == completed {
            return;
        }
        self.forms.action_result.set(None);
        self.tasks.update(|ts| {
            if let Some(t) = ts.iter_mut().find(|t| t.id == id) {
                t.completed = completed;
            }
        });
        self.counts.update(|c| shift(c, completed, 1));
        spawn_local(async move {
            match super::api::set_task_completed(id, completed).await {
                Ok(task) => store.replace(task),
                Err(error) => {
                    store.replace(before);
                    store.counts.update(|c| shift(c, !completed, 1));
                    store.report(error);
                }
            }
        });
    }

    fn set_all(&self, completed: bool) {
        let store = *self;
        let (tasks, counts) = (self.tasks.get_untracked(), self.counts.get_untracked());
        self.forms.action_result.set(None);
        self.tasks
            .update(|ts| ts.iter_mut().for_each(|t| t.completed = completed));
        self.counts.set(if completed {
            Counts {
                active: 0,
                completed: counts.total(),
            }
        } else {
            Counts {
                active: counts.total(),
                completed: 0,
            }
        });
        spawn_local(async move {
            if let Err(error) = super::api::set_all_completed(completed).await {
                store.tasks.set(tasks);
                store.counts.set(counts);
                store.report(error);
            }
        });
    }

    fn delete(&self, id: i64) {
        let store = *self;
        let Some((index, task)) = self.tasks.with_untracked(|ts| {
            ts.iter()
                .position(|t| t.id == id)
                .map(|i| (i, ts[i].clone()))
        }) else {
            return;
        };
        self.forms.action_result.set(None);
        self.tasks.update(|ts| {
            ts.remove(index);
        });
        self.counts.update(|c| remove_one(c, task.completed));
        spawn_local(async move {
            if let Err(error) = super::api::delete_task(id).await {
                store
                    .tasks
                    .update(|ts| ts.insert(index.min(ts.len()), task.clone()));
                store.counts.update(|c| add_one(c, task.completed));
                store.report(error);
            }
        });
    }

    fn clear_completed(&self) {
        let store = *self;
        let (tasks, counts) = (self.tasks.get_untracked(), self.counts.get_untracked());
        self.forms.action_result.set(None);
        self.tasks.update(|ts| ts.retain(|t| !t.completed));
        self.counts.update(|c| c.completed = 0);
        spawn_local(async move {
            if let Err(error) = super::api::clear_completed().await {
                store.tasks.set(tasks);
                store.counts.set(counts);
                store.report(error);
            }
        });
    }

    /// Adds at the top at once under a temporary id; the server's task replaces it.
    fn add(
        &self,
        title: TaskTitle,
        description: TaskDescription,
        on_error: impl FnOnce(String, String) + 'static,
    ) {
        let store = *self;
        let temp_id = self.next_temp_id.get_value();
        self.next_temp_id.set_value(temp_id - 1);
        let now = Utc::now();
        let (title, description) = (
            title.as_str().to_owned(),
            description.as_deref().map(str::to_owned),
        );
        self.tasks.update(|ts| {
            ts.insert(
                0,
                Task {
                    id: temp_id,
                    title: title.clone(),
                    description: description.clone(),
                    completed: false,
                    created_at: now,
                    updated_at: now,
                },
            )
        });
        self.counts.update(|c| add_one(c, false));
        spawn_local(async move {
            match super::api::add_task(title.clone(), description.clone()).await {
                Ok(task) => store.tasks.update(|ts| {
                    if let Some(t) = ts.iter_mut().find(|t| t.id == temp_id) {
                        *t = task;
                    }
                }),
                Err(error) => {
                    store.tasks.update(|ts| ts.retain(|t| t.id != temp_id));
                    store.counts.update(|c| remove_one(c, false));
                    store.forms.add_result.set(Some(Err(error)));
                    on_error(title, description.unwrap_or_default());
                }
            }
        });
    }

    fn update(&self, id: i64, title: TaskTitle, description: TaskDescription) {
        let store = *self;
        let Some(before) = self
            .tasks
            .with_untracked(|ts| ts.iter().find(|t| t.id == id).cloned())
        else {
            return;
        };
        let (title, description) = (
            title.as_str().to_owned(),
            description.as_deref().map(str::to_owned),
        );
        self.tasks.update(|ts| {
            if let Some(t) = ts.iter_mut().find(|t| t.id == id) {
                t.title = title.clone();
                t.description = description.clone();
            }
        });
        self.editing.set(None);
        self.forms.edit_result.set(None);
        spawn_local(async move {
            match super::api::update_task(id, title, description).await {
                Ok(task) => store.replace(task),
                Err(error) => {
                    store.replace(before);
                    store.forms.edit_result.set(Some(Err(error)));
                    store.editing.set(Some(id));
                }
            }
        });
    }

    fn load_more(&self) {
        let store = *self;
        let Some(cursor) = self.next_cursor.get_untracked() else {
            return;
        };
        spawn_local(async move {
            match list_tasks(Some(store.filter.as_str().to_owned()), Some(cursor)).await {
                Ok(page) => {
                    store.tasks.update(|ts| {
                        for task in page.tasks {
                            if !ts.iter().any(|t| t.id == task.id) {
                                ts.push(task);
                            }
                        }
                    });
                    store.next_cursor.set(page.next_cursor);
                    store.counts.set(page.counts);
                }
                Err(error) => store.report(error),
            }
        });
    }
}

fn shift(c: &mut Counts, to_completed: bool, n: i64) {
    if to_completed {
        c.active -= n;
        c.completed += n;
    } else {
        c.active += n;
        c.completed -= n;
    }
}

fn add_one(c: &mut Counts, completed: bool) {
    if completed {
        c.completed += 1;
    } else {
        c.active += 1;
    }
}

fn remove_one(c: &mut Counts, completed: bool) {
    if completed {
        c.completed -= 1;
    } else {
        c.active -= 1;
    }
}

/// "27 Nov 2026, 16:04 UTC" on the server; the person's local time once hydrated.
fn created_label(at: &DateTime<Utc>, tz_offset: Option<i64>) -> String {
    match tz_offset {
        None => at.format("%-d %b %Y, %H:%M UTC").to_string(),
        Some(minutes) => (*at - Duration::minutes(minutes))
            .format("%-d %b %Y, %H:%M")
            .to_string(),
    }
}

/// The list URL for `filter`, with more query parameters.
fn list_href(filter: Filter, extra: &str) -> String {
    match (filter.query().as_str(), extra) {
        ("", "") => "/".to_owned(),
        ("", extra) => format!("/?{extra}"),
        (q, "") => format!("/{q}"),
        (q, extra) => format!("/{q}&{extra}"),
    }
}

fn prevent(ev: &ev::SubmitEvent) {
    ev.prevent_default();
}

#[component]
fn TaskList(
    page: TaskPage,
    filter: Filter,
    after: Option<String>,
    editing: Option<i64>,
    forms: Forms,
) -> impl IntoView {
    let store = Store {
        tasks: RwSignal::new(page.tasks),
        counts: RwSignal::new(page.counts),
        next_cursor: RwSignal::new(page.next_cursor),
        editing: RwSignal::new(editing),
        filter,
        tz_offset: RwSignal::new(None),
        next_temp_id: StoredValue::new(-1),
        forms,
    };
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        store
            .tz_offset
            .set(Some(js_sys::Date::new_0().get_timezone_offset() as i64));
    });

    let visible = move || {
        store
            .tasks
            .get()
            .into_iter()
            .filter(|t| filter.shows(t))
            .collect::<Vec<_>>()
    };
    let all_done = move || {
        let c = store.counts.get();
        c.total() > 0 && c.active == 0
    };
    let is_paged = after.is_some();

    view! {
        <NewTaskForm store />
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
                key=|t| (t.id, t.completed, t.title.clone(), t.description.clone(), t.updated_at)
                let:task
            >
                <TaskItem task store />
            </For>
        </ul>
        <Show when=move || visible().is_empty()>
            <p class="empty" data-testid="empty">
                {move || match (filter, store.counts.get().total()) {
                    (_, 0) => "Nothing here yet. Add your first task above.",
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
                        list_href(filter, &format!("after={}", store.next_cursor.get().unwrap_or_default()))
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
            <p class="more"><a href=list_href(filter, "")>"Back to the newest tasks"</a></p>
        })}
        <Footer store />
    }
}

#[component]
fn Footer(store: Store) -> impl IntoView {
    let filter = store.filter;
    view! {
        <footer class="list-footer">
            <span class="count" data-testid="items-left" aria-live="polite">
                {move || store.counts.get().items_left()}
            </span>
            <nav aria-label="Filter tasks" class="filters">
                {[Filter::All, Filter::Active, Filter::Completed]
                    .into_iter()
                    .map(|f| {
                        view! {
                            <A
                                href=list_href(f, "")
                                attr:aria-current=(f == filter).then_some("page")
                                attr:class=if f == filter { "filter selected" } else { "filter" }
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

#[component]
fn NewTaskForm(store: Store) -> impl IntoView {
    let form = store.forms.add;
    let title_ref = NodeRef::<html::Input>::new();
    let description_ref = NodeRef::<html::Textarea>::new();
    let title_error = move || form.field_error("title");
    let description_error = move || form.field_error("description");
    let on_submit = move |ev: ev::SubmitEvent| {
        prevent(&ev);
        let (Some(title_input), Some(description_input)) = (title_ref.get(), description_ref.get())
        else {
            return;
        };
        let parsed = TaskTitle::parse(&title_input.value())
            .and_then(|t| TaskDescription::parse(&description_input.value()).map(|d| (t, d)));
        match parsed {
            Err(error) => store.forms.add_result.set(Some(Err(error))),
            Ok((title, description)) => {
                store.forms.add_result.set(None);
                title_input.set_value("");
                description_input.set_value("");
                let _ = title_input.focus();
                store.add(title, description, move |title, description| {
                    // Give back what was typed, so nothing is lost.
                    if let (Some(t), Some(d)) =
                        (title_ref.get_untracked(), description_ref.get_untracked())
                    {
                        if t.value().is_empty() {
                            t.set_value(&title);
                            d.set_value(&description);
                        }
                        let _ = t.focus();
                    }
                });
            }
        }
    };
    view! {
        <form method="post" action=AddTask::url() class="new-task card" on:submit=on_submit>
            <FormAlert form fields=vec!["title", "description"] />
            <label for="add-task-title" class="new-task-label">"What needs doing?"</label>
            <div class="new-task-row">
                <input
                    id="add-task-title"
                    node_ref=title_ref
                    name="title"
                    type="text"
                    placeholder="Add a task and press Enter"
                    autocomplete="off"
                    maxlength=TITLE_MAX_CHARS as u32
                    value=move || form.kept_value("title")
                    aria-invalid=move || title_error().map(|_| "true")
                    aria-describedby=move || title_error().map(|_| "add-task-title-error")
                    autofocus=true
                />
                <button type="submit" class="primary">"Add"</button>
            </div>
            <p class="field-error" id="add-task-title-error" hidden=move || title_error().is_none()>
                {move || title_error().unwrap_or_default()}
            </p>
            <details class="new-task-more" open=move || description_error().is_some() || form.kept_value("description").is_some_and(|d| !d.is_empty())>
                <summary>"Add a description"</summary>
                <label for="add-task-description" class="visually-hidden">"Description"</label>
                <textarea
                    id="add-task-description"
                    node_ref=description_ref
                    name="description"
                    rows="3"
                    maxlength=DESCRIPTION_MAX_CHARS as u32
                    aria-invalid=move || description_error().map(|_| "true")
                    aria-describedby=move || description_error().map(|_| "add-task-description-error")
                    prop:value=move || form.kept_value("description").unwrap_or_default()
                ></textarea>
                <p class="field-error" id="add-task-description-error" hidden=move || description_error().is_none()>
                    {move || description_error().unwrap_or_default()}
                </p>
            </details>
        </form>
    }
}

#[component]
fn TaskItem(task: Task, store: Store) -> impl IntoView {
    let id = task.id;
    let pending = id < 0;
    let is_editing = move || store.editing.get() == Some(id);
    let task = StoredValue::new(task);
    let title = task.with_value(|t| t.title.clone());
    let completed = task.with_value(|t| t.completed);
    let filter = store.filter;
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
                            <time class="task-date" datetime=task.created_at.to_rfc3339()>
                                {move || created_label(&task.created_at, store.tz_offset.get())}
                            </time>
                        </div>
                        <div class="task-actions">
                            <a
                                class="button subtle"
                                id=format!("task-{id}-edit")
                                href=list_href(filter, &format!("edit={id}"))
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

#[component]
fn EditTaskForm(task: Task, store: Store) -> impl IntoView {
    let form = store.forms.edit;
    let id = task.id;
    let title_ref = NodeRef::<html::Input>::new();
    let description_ref = NodeRef::<html::Textarea>::new();
    // What was typed before a failed plain post, if it was this task.
    let kept = move |field: &str| {
        (form.kept_value("id") == Some(id.to_string()))
            .then(|| form.kept_value(field))
            .flatten()
    };
    let title_value = kept("title").unwrap_or_else(|| task.title.clone());
    let description_value =
        kept("description").unwrap_or_else(|| task.description.clone().unwrap_or_default());
    let title_error = move || form.field_error("title");
    let description_error = move || form.field_error("description");
    let cancel = move || {
        store.editing.set(None);
        store.forms.edit_result.set(None);
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            if let Some(el) = document()
                .get_element_by_id(&format!("task-{id}-edit"))
                .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok())
            {
                let _ = el.focus();
            }
        }
    };
    Effect::new(move |_| {
        if let Some(input) = title_ref.get() {
            let _ = input.focus();
        }
    });
    let on_submit = move |ev: ev::SubmitEvent| {
        prevent(&ev);
        let (Some(t), Some(d)) = (title_ref.get(), description_ref.get()) else {
            return;
        };
        match TaskTitle::parse(&t.value())
            .and_then(|title| TaskDescription::parse(&d.value()).map(|d| (title, d)))
        {
            Ok((title, description)) => store.update(id, title, description),
            Err(error) => store.forms.edit_result.set(Some(Err(error))),
        }
    };
    let on_keydown = move |ev: ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            ev.prevent_default();
            cancel();
        }
    };
    view! {
        <form method="post" action=UpdateTask::url() class="edit-task" on:submit=on_submit on:keydown=on_keydown>
            <FormAlert form fields=vec!["title", "description"] />
            <input type="hidden" name="id" value=id />
            <label for=format!("edit-{id}-title")>"Title"</label>
            <input
                id=format!("edit-{id}-title")
                node_ref=title_ref
                name="title"
                type="text"
                value=title_value
                maxlength=TITLE_MAX_CHARS as u32
                autocomplete="off"
                autofocus=true
                aria-invalid=move || title_error().map(|_| "true")
                aria-describedby=move || title_error().map(|_| format!("edit-{id}-title-error"))
            />
            <p class="field-error" id=format!("edit-{id}-title-error") hidden=move || title_error().is_none()>
                {move || title_error().unwrap_or_default()}
            </p>
            <label for=format!("edit-{id}-description")>"Description"</label>
            <textarea
                id=format!("edit-{id}-description")
                node_ref=description_ref
                name="description"
                rows="3"
                maxlength=DESCRIPTION_MAX_CHARS as u32
                aria-invalid=move || description_error().map(|_| "true")
            >
                {description_value}
            </textarea>
            <p class="field-error" hidden=move || description_error().is_none()>
                {move || description_error().unwrap_or_default()}
            </p>
            <div class="edit-actions">
                <button type="submit" class="primary">"Save"</button>
                <a
                    class="button subtle"
                    href=list_href(store.filter, "")
                    on:click=move |ev| {
                        ev.prevent_default();
                        cancel();
                    }
                >
                    "Cancel"
                </a>
            </div>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_links_keep_the_filter() {
        assert_eq!(list_href(Filter::All, ""), "/");
        assert_eq!(list_href(Filter::All, "edit=3"), "/?edit=3");
        assert_eq!(list_href(Filter::Active, ""), "/?filter=active");
        assert_eq!(
            list_href(Filter::Completed, "after=1.2"),
            "/?filter=completed&after=1.2"
        );
    }

    #[test]
    fn dates_are_utc_on_the_server_and_local_once_known() {
        let at = DateTime::parse_from_rfc3339("2026-11-27T16:04:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(created_label(&at, None), "27 Nov 2026, 16:04 UTC");
        // getTimezoneOffset() is -60 in UTC+1.
        assert_eq!(created_label(&at, Some(-60)), "27 Nov 2026, 17:04");
    }

    #[test]
    fn counts_move_with_each_change() {
        let mut c = Counts {
            active: 2,
            completed: 1,
        };
        shift(&mut c, true, 1);
        assert_eq!(
            c,
            Counts {
                active: 1,
                completed: 2
            }
        );
        add_one(&mut c, false);
        remove_one(&mut c, true);
        assert_eq!(
            c,
            Counts {
                active: 2,
                completed: 1
            }
        );
    }
}
