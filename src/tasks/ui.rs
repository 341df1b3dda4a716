//! The task page: add, list, toggle, edit, delete, filter, mark all, clear completed.
//!
//! Every control is a real form that posts to its server function, so the page works with
//! JavaScript off (the server redirects back). Hydrated, the same forms are intercepted:
//! the change shows at once (optimistic) and is rolled back with a message if the server
//! refuses it.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use leptos::{either::Either, ev, html, prelude::*, server_fn::ServerFn, task::spawn_local};
use leptos_meta::Title;
use leptos_router::{
    components::{Form, Redirect, A},
    hooks::use_query_map,
};

use super::{
    api::{
        list_tags, list_tasks, AddTask, ClearCompleted, DeleteTag, DeleteTask, RenameTag,
        SetAllCompleted, SetTaskCompleted, UpdateTask,
    },
    query::TAGS_FIELD_MAX_CHARS,
    Counts, Due, Filter, ListQuery, Priority, Sort, Tag, TagPage, Task, TaskInput, TaskPage,
    DESCRIPTION_MAX_CHARS, TAG_MAX_CHARS, TITLE_MAX_CHARS,
};
use crate::{
    auth::ui::{ErrorNotice, RequireUser},
    error::AppError,
    forms::{FormAlert, FormState},
};

#[component]
pub fn TasksPage() -> impl IntoView {
    // Every resource of the page is made here, in the route's own scope, not inside
    // `RequireUser`'s suspense: a resource made inside a suspense's children can outlive
    // the render pass that made it (server rendering runs them more than once) and then
    // runs without the app's context.
    let query = use_query_map();
    let view = Memo::new(move |_| ListQuery::from_params(|name| query.read().get(name)));
    let after = Memo::new(move |_| query.read().get("after").filter(|a| !a.is_empty()));
    let page = Resource::new(
        move || (view.get(), after.get()),
        |(view, after)| fetch_page(view, after),
    );
    // The tag filter offers the first page of tags (A to Z).
    let tags = Resource::new(
        || (),
        |_| async { list_tags(None).await.map(|page| page.tags) },
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
    let board = Board {
        view,
        after,
        page,
        tags,
        forms,
    };
    view! {
        <Title text="Your tasks" />
        <RequireUser forms=vec![forms.add, forms.edit, forms.action]>
            <TaskBoard board />
        </RequireUser>
    }
}

/// The task page's state, made once per page by `TasksPage`.
#[derive(Clone, Copy)]
struct Board {
    view: Memo<ListQuery>,
    after: Memo<Option<String>>,
    page: Resource<Result<TaskPage, AppError>>,
    tags: Resource<Result<Vec<Tag>, AppError>>,
    forms: Forms,
}

#[component]
fn TaskBoard(board: Board) -> impl IntoView {
    let Board {
        view,
        after,
        page,
        tags,
        forms,
    } = board;
    let query = use_query_map();
    view! {
        <div class="board">
            <h1>"Your tasks"</h1>
            <Suspense fallback=|| view! { <p class="loading">"Loading your tasks…"</p> }>
                {move || Suspend::new(async move {
                        let page = page.await;
                    let tags = tags.await.unwrap_or_default();
                    match page {
                        Ok(page) => {
                            let editing = query
                                .read_untracked()
                                .get("edit")
                                .and_then(|id| id.parse::<i64>().ok());
                            Either::Left(view! {
                                <TaskList
                                    page
                                    tags=tags.clone()
                                    view=view.get_untracked()
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

/// Calls `list_tasks` for a view of the list.
async fn fetch_page(view: ListQuery, after: Option<String>) -> Result<TaskPage, AppError> {
    list_tasks(
        Some(view.status.as_str().to_owned()),
        view.priority.map(|p| p.as_str().to_owned()),
        view.tag,
        view.due.map(|d| d.as_str().to_owned()),
        view.search,
        Some(view.sort.as_str().to_owned()),
        after,
    )
    .await
}

/// The arguments of `add_task` / `update_task` after the id, as a form sends them.
type TaskArgs = (
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// The server function's arguments for `input`, as its form would send them.
fn task_args(input: &TaskInput) -> TaskArgs {
    (
        input.title.as_str().to_owned(),
        input.description.as_deref().map(str::to_owned),
        Some(input.priority.as_str().to_owned()),
        input.due_date.map(|d| d.format("%Y-%m-%d").to_string()),
        Some(input.tags.join(", ")),
    )
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
    view: StoredValue<ListQuery>,
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
    fn add(&self, input: TaskInput, on_error: impl FnOnce() + 'static) {
        let store = *self;
        let temp_id = self.next_temp_id.get_value();
        self.next_temp_id.set_value(temp_id - 1);
        let now = Utc::now();
        self.tasks.update(|ts| {
            ts.insert(
                0,
                Task {
                    id: temp_id,
                    title: input.title.as_str().to_owned(),
                    description: input.description.as_deref().map(str::to_owned),
                    completed: false,
                    priority: input.priority,
                    due_date: input.due_date,
                    tags: input.sorted_tags(),
                    created_at: now,
                    updated_at: now,
                },
            )
        });
        self.counts.update(|c| add_one(c, false));
        let (title, description, priority, due_date, tags) = task_args(&input);
        spawn_local(async move {
            match super::api::add_task(title, description, priority, due_date, tags).await {
                Ok(task) => store.tasks.update(|ts| {
                    if let Some(t) = ts.iter_mut().find(|t| t.id == temp_id) {
                        *t = task;
                    }
                }),
                Err(error) => {
                    store.tasks.update(|ts| ts.retain(|t| t.id != temp_id));
                    store.counts.update(|c| remove_one(c, false));
                    store.forms.add_result.set(Some(Err(error)));
                    on_error();
                }
            }
        });
    }

    fn update(&self, id: i64, input: TaskInput) {
        let store = *self;
        let Some(before) = self
            .tasks
            .with_untracked(|ts| ts.iter().find(|t| t.id == id).cloned())
        else {
            return;
        };
        self.tasks.update(|ts| {
            if let Some(t) = ts.iter_mut().find(|t| t.id == id) {
                t.title = input.title.as_str().to_owned();
                t.description = input.description.as_deref().map(str::to_owned);
                t.priority = input.priority;
                t.due_date = input.due_date;
                t.tags = input.sorted_tags();
            }
        });
        self.editing.set(None);
        self.forms.edit_result.set(None);
        let (title, description, priority, due_date, tags) = task_args(&input);
        spawn_local(async move {
            match super::api::update_task(id, title, description, priority, due_date, tags).await {
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
            match fetch_page(store.view.get_value(), Some(cursor)).await {
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

/// Whether a due date has passed or is today, for the person (UTC on the server, local
/// time once hydrated). Done tasks never stand out.
fn due_state(due: NaiveDate, completed: bool, tz_offset: Option<i64>) -> Option<&'static str> {
    if completed {
        return None;
    }
    let today = (Utc::now() - Duration::minutes(tz_offset.unwrap_or(0))).date_naive();
    if due < today {
        Some("overdue")
    } else if due == today {
        Some("today")
    } else {
        None
    }
}

fn prevent(ev: &ev::SubmitEvent) {
    ev.prevent_default();
}

#[component]
fn TaskList(
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
                key=|t| (t.id, t.completed, t.title.clone(), t.description.clone(), t.updated_at)
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
fn Footer(store: Store) -> impl IntoView {
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

#[component]
fn NewTaskForm(store: Store) -> impl IntoView {
    let form = store.forms.add;
    let title_ref = NodeRef::<html::Input>::new();
    let description_ref = NodeRef::<html::Textarea>::new();
    let priority_ref = NodeRef::<html::Select>::new();
    let due_ref = NodeRef::<html::Input>::new();
    let tags_ref = NodeRef::<html::Input>::new();
    let error_of = move |field: &'static str| move || form.field_error(field);
    let more_open = move || {
        ["description", "priority", "due_date", "tags"]
            .iter()
            .any(|f| {
                form.field_error(f).is_some() || form.kept_value(f).is_some_and(|v| !v.is_empty())
            })
    };
    let on_submit = move |ev: ev::SubmitEvent| {
        prevent(&ev);
        let (Some(title), Some(description), Some(priority), Some(due), Some(tags)) = (
            title_ref.get(),
            description_ref.get(),
            priority_ref.get(),
            due_ref.get(),
            tags_ref.get(),
        ) else {
            return;
        };
        let typed = [
            title.value(),
            description.value(),
            priority.value(),
            due.value(),
            tags.value(),
        ];
        match TaskInput::parse(&typed[0], &typed[1], &typed[2], &typed[3], &typed[4]) {
            Err(error) => store.forms.add_result.set(Some(Err(error))),
            Ok(input) => {
                store.forms.add_result.set(None);
                title.set_value("");
                description.set_value("");
                priority.set_value("");
                due.set_value("");
                tags.set_value("");
                let _ = title.focus();
                store.add(input, move || {
                    // Give back what was typed, so nothing is lost.
                    if let (Some(t), Some(d), Some(p), Some(u), Some(g)) = (
                        title_ref.get_untracked(),
                        description_ref.get_untracked(),
                        priority_ref.get_untracked(),
                        due_ref.get_untracked(),
                        tags_ref.get_untracked(),
                    ) {
                        if t.value().is_empty() {
                            t.set_value(&typed[0]);
                            d.set_value(&typed[1]);
                            p.set_value(&typed[2]);
                            u.set_value(&typed[3]);
                            g.set_value(&typed[4]);
                        }
                        let _ = t.focus();
                    }
                });
            }
        }
    };
    let kept_priority = form.kept_value("priority").unwrap_or_default();
    view! {
        <form method="post" action=AddTask::url() class="new-task card" on:submit=on_submit>
            <FormAlert form fields=vec!["title", "description", "priority", "due_date", "tags"] />
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
                    aria-invalid=move || error_of("title")().map(|_| "true")
                    aria-describedby=move || error_of("title")().map(|_| "add-task-title-error")
                    autofocus=true
                />
                <button type="submit" class="primary">"Add"</button>
            </div>
            <FieldError id="add-task-title-error" message=Signal::derive(error_of("title")) />
            <details class="new-task-more" open=more_open>
                <summary>"More: description, priority, due date, tags"</summary>
                <div class="more-fields">
                    <div class="field wide">
                        <label for="add-task-description">"Description"</label>
                        <textarea
                            id="add-task-description"
                            node_ref=description_ref
                            name="description"
                            rows="3"
                            maxlength=DESCRIPTION_MAX_CHARS as u32
                            aria-invalid=move || error_of("description")().map(|_| "true")
                            aria-describedby=move || {
                                error_of("description")().map(|_| "add-task-description-error")
                            }
                            prop:value=move || form.kept_value("description").unwrap_or_default()
                        ></textarea>
                        <FieldError
                            id="add-task-description-error"
                            message=Signal::derive(error_of("description"))
                        />
                    </div>
                    <div class="field">
                        <label for="add-task-priority">"Priority"</label>
                        <PrioritySelect id="add-task-priority" node_ref=priority_ref selected=kept_priority />
                    </div>
                    <div class="field">
                        <label for="add-task-due">"Due date"</label>
                        <input
                            id="add-task-due"
                            node_ref=due_ref
                            name="due_date"
                            type="date"
                            value=move || form.kept_value("due_date")
                            aria-invalid=move || error_of("due_date")().map(|_| "true")
                            aria-describedby=move || error_of("due_date")().map(|_| "add-task-due-error")
                        />
                        <FieldError id="add-task-due-error" message=Signal::derive(error_of("due_date")) />
                    </div>
                    <div class="field wide">
                        <label for="add-task-tags">"Tags"</label>
                        <input
                            id="add-task-tags"
                            node_ref=tags_ref
                            name="tags"
                            type="text"
                            autocomplete="off"
                            placeholder="work, home"
                            maxlength=TAGS_FIELD_MAX_CHARS as u32
                            list="tag-names"
                            value=move || form.kept_value("tags")
                            aria-invalid=move || error_of("tags")().map(|_| "true")
                            aria-describedby=move || {
                                if error_of("tags")().is_some() {
                                    "add-task-tags-hint add-task-tags-error"
                                } else {
                                    "add-task-tags-hint"
                                }
                            }
                        />
                        <p class="hint" id="add-task-tags-hint">
                            "Separate tags with commas; new ones are created."
                        </p>
                        <FieldError id="add-task-tags-error" message=Signal::derive(error_of("tags")) />
                    </div>
                </div>
            </details>
        </form>
    }
}

#[component]
fn FieldError(#[prop(into)] id: String, message: Signal<Option<String>>) -> impl IntoView {
    view! {
        <p class="field-error" id=id hidden=move || message.read().is_none()>
            {move || message.get().unwrap_or_default()}
        </p>
    }
}

#[component]
fn PrioritySelect(
    #[prop(into)] id: String,
    node_ref: NodeRef<html::Select>,
    #[prop(into)] selected: String,
) -> impl IntoView {
    view! {
        <select id=id name="priority" node_ref=node_ref>
            {Priority::ALL
                .into_iter()
                .map(|p| {
                    let value = if p == Priority::None { "" } else { p.as_str() };
                    let is_selected = value == selected.as_str();
                    view! { <option value=value selected=is_selected>{p.label()}</option> }
                })
                .collect_view()}
        </select>
    }
}

/// Search, filters and sort: a GET form, so every view is a URL that works without
/// JavaScript (and, hydrated, the router navigates without a reload).
#[component]
fn Controls(view: ListQuery, tags: Vec<Tag>) -> impl IntoView {
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
fn TaskItem(task: Task, store: Store) -> impl IntoView {
    let id = task.id;
    let pending = id < 0;
    let is_editing = move || store.editing.get() == Some(id);
    let task = StoredValue::new(task);
    let title = task.with_value(|t| t.title.clone());
    let completed = task.with_value(|t| t.completed);
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
                                {task.due_date.map(|due| {
                                    let state = move || due_state(due, completed, store.tz_offset.get());
                                    view! {
                                        <span
                                            class="badge due"
                                            class:overdue=move || state() == Some("overdue")
                                            class:today=move || state() == Some("today")
                                        >
                                            {move || match state() {
                                                Some("overdue") => format!("Overdue: {}", due.format("%-d %b %Y")),
                                                Some("today") => "Due today".to_owned(),
                                                _ => format!("Due {}", due.format("%-d %b %Y")),
                                            }}
                                        </span>
                                    }
                                })}
                                {task.tags.iter().map(|tag| {
                                    let href = ListQuery { tag: Some(tag.clone()), ..Default::default() }.href(&[]);
                                    view! { <a class="badge tag" href=href>{format!("#{tag}")}</a> }
                                }).collect_view()}
                                <time class="task-date" datetime=task.created_at.to_rfc3339()>
                                    {move || created_label(&task.created_at, store.tz_offset.get())}
                                </time>
                            </div>
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
    let priority_value = kept("priority").unwrap_or_else(|| match task.priority {
        Priority::None => String::new(),
        p => p.as_str().to_owned(),
    });
    let due_value = kept("due_date").unwrap_or_else(|| {
        task.due_date
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default()
    });
    let tags_value = kept("tags").unwrap_or_else(|| task.tags.join(", "));
    let priority_ref = NodeRef::<html::Select>::new();
    let due_ref = NodeRef::<html::Input>::new();
    let tags_ref = NodeRef::<html::Input>::new();
    let due_error = move || form.field_error("due_date");
    let tags_error = move || form.field_error("tags");
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
        let (Some(t), Some(d), Some(p), Some(u), Some(g)) = (
            title_ref.get(),
            description_ref.get(),
            priority_ref.get(),
            due_ref.get(),
            tags_ref.get(),
        ) else {
            return;
        };
        match TaskInput::parse(&t.value(), &d.value(), &p.value(), &u.value(), &g.value()) {
            Ok(input) => store.update(id, input),
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
            <FormAlert form fields=vec!["title", "description", "priority", "due_date", "tags"] />
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
            <div class="edit-row">
                <div class="field">
                    <label for=format!("edit-{id}-priority")>"Priority"</label>
                    <PrioritySelect id=format!("edit-{id}-priority") node_ref=priority_ref selected=priority_value />
                </div>
                <div class="field">
                    <label for=format!("edit-{id}-due")>"Due date"</label>
                    <input
                        id=format!("edit-{id}-due")
                        node_ref=due_ref
                        name="due_date"
                        type="date"
                        value=due_value
                        aria-invalid=move || due_error().map(|_| "true")
                    />
                    <FieldError id=format!("edit-{id}-due-error") message=Signal::derive(due_error) />
                </div>
                <div class="field wide">
                    <label for=format!("edit-{id}-tags")>"Tags"</label>
                    <input
                        id=format!("edit-{id}-tags")
                        node_ref=tags_ref
                        name="tags"
                        type="text"
                        value=tags_value
                        maxlength=TAGS_FIELD_MAX_CHARS as u32
                        list="tag-names"
                        autocomplete="off"
                        aria-invalid=move || tags_error().map(|_| "true")
                    />
                    <FieldError id=format!("edit-{id}-tags-error") message=Signal::derive(tags_error) />
                </div>
            </div>
            <div class="edit-actions">
                <button type="submit" class="primary">"Save"</button>
                <a
                    class="button subtle"
                    href=store.view.with_value(|v| v.href(&[]))
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

/// The person's tags: rename or delete each (deleting keeps the tasks).
#[component]
pub fn TagsPage() -> impl IntoView {
    let rename_result = RwSignal::new(None::<Result<(), AppError>>);
    let form = FormState::new("rename_tag", rename_result.into());
    // Made here, not inside `RequireUser` (see `TasksPage`).
    let query = use_query_map();
    let after = Memo::new(move |_| query.read().get("after").filter(|a| !a.is_empty()));
    let tags = Resource::new(move || after.get(), list_tags);
    view! {
        <Title text="Tags" />
        <RequireUser forms=vec![form]>
            <TagList form rename_result tags />
        </RequireUser>
    }
}

#[component]
fn TagList(
    form: FormState,
    rename_result: RwSignal<Option<Result<(), AppError>>>,
    tags: Resource<Result<TagPage, AppError>>,
) -> impl IntoView {
    view! {
        <h1>"Tags"</h1>
        <p><A href="/">"Back to your tasks"</A></p>
        <FormAlert form fields=vec!["name"] />
        <Suspense fallback=|| view! { <p class="loading">"Loading your tags…"</p> }>
            {move || Suspend::new(async move {
                match tags.await {
                    Ok(page) if page.tags.is_empty() => Either::Left(view! {
                        <p class="empty">"No tags yet. Add some to a task, separated by commas."</p>
                    }.into_any()),
                    Ok(page) => Either::Left(view! {
                        <ul class="tag-list card">
                            {page.tags.into_iter().map(|tag| view! { <TagRow tag form rename_result tags /> }).collect_view()}
                        </ul>
                        {page.next_cursor.map(|next| view! {
                            <p class="more">
                                <a href=format!("/tags?after={}", crate::urls::encode_query_value(&next))>"More tags"</a>
                            </p>
                        })}
                    }.into_any()),
                    Err(error) => Either::Right(view! { <ErrorNotice error /> }),
                }
            })}
        </Suspense>
    }
}

#[component]
fn TagRow(
    tag: Tag,
    form: FormState,
    rename_result: RwSignal<Option<Result<(), AppError>>>,
    tags: Resource<Result<TagPage, AppError>>,
) -> impl IntoView {
    let id = tag.id;
    let name_ref = NodeRef::<html::Input>::new();
    let kept = (form.kept_value("id") == Some(id.to_string()))
        .then(|| form.kept_value("name"))
        .flatten();
    let error = move || {
        (form.kept_value("id") == Some(id.to_string()) || rename_result.with(|r| r.is_some()))
            .then(|| form.field_error("name"))
            .flatten()
    };
    let on_rename = move |ev: ev::SubmitEvent| {
        prevent(&ev);
        let Some(input) = name_ref.get() else { return };
        let name = input.value();
        spawn_local(async move {
            let result = super::api::rename_tag(id, name).await;
            if result.is_ok() {
                tags.refetch();
            }
            rename_result.set(Some(result));
        });
    };
    let on_delete = move |ev: ev::SubmitEvent| {
        prevent(&ev);
        spawn_local(async move {
            let result = super::api::delete_tag(id).await;
            if result.is_ok() {
                tags.refetch();
            }
            rename_result.set(Some(result));
        });
    };
    let count = match tag.tasks {
        1 => "1 task".to_owned(),
        n => format!("{n} tasks"),
    };
    let href = ListQuery {
        tag: Some(tag.name.clone()),
        ..Default::default()
    }
    .href(&[]);
    view! {
        <li class="tag-row">
            <a class="badge tag" href=href>{format!("#{}", tag.name)}</a>
            <span class="hint">{count}</span>
            <form method="post" action=RenameTag::url() class="rename-tag" on:submit=on_rename>
                <input type="hidden" name="id" value=id />
                <label for=format!("tag-{id}-name") class="visually-hidden">{format!("New name for {}", tag.name)}</label>
                <input
                    id=format!("tag-{id}-name")
                    node_ref=name_ref
                    name="name"
                    type="text"
                    value=kept.unwrap_or_else(|| tag.name.clone())
                    maxlength=TAG_MAX_CHARS as u32
                    aria-invalid=move || error().map(|_| "true")
                />
                <button type="submit" class="subtle">"Rename"</button>
            </form>
            <form method="post" action=DeleteTag::url() on:submit=on_delete>
                <input type="hidden" name="id" value=id />
                <button type="submit" class="subtle danger-text" aria-label=format!("Delete tag {}", tag.name)>
                    "Delete"
                </button>
            </form>
            <FieldError id=format!("tag-{id}-error") message=Signal::derive(error) />
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overdue_and_today_stand_out_unless_done() {
        let today = Utc::now().date_naive();
        let yesterday = today.pred_opt().unwrap();
        assert_eq!(due_state(yesterday, false, Some(0)), Some("overdue"));
        assert_eq!(due_state(today, false, Some(0)), Some("today"));
        assert_eq!(due_state(today.succ_opt().unwrap(), false, Some(0)), None);
        assert_eq!(due_state(yesterday, true, Some(0)), None);
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
