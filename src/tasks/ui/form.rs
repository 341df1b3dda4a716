//! The task form: one set of fields, `TaskFields`, for adding a task and for editing one.
//!
//! Both forms post plainly without JavaScript (a refused post comes back with its message
//! and what was typed, through `FormState`). Hydrated, their submit is intercepted: the
//! fields are read by name into a `TaskForm`, checked, and the change shown at once.

use leptos::{either::Either, ev, html, prelude::*, server_fn::ServerFn};
use web_sys::HtmlFormElement;

use crate::{
    error::AppError,
    forms::{
        field_value, focus_field, prevent, set_field_value, Control, Field, FormAlert, FormState,
    },
    tags::TAGS_FIELD_MAX_CHARS,
    tasks::{
        api::{AddTask, UpdateTask},
        input::{TaskForm, TaskInput},
        Priority, Task, DESCRIPTION_MAX_CHARS, TITLE_MAX_CHARS,
    },
};

use super::store::Store;

/// The fields' names, as `TaskForm` has them and the form posts them.
const FIELDS: [&str; 5] = ["title", "description", "priority", "due_date", "tags"];

/// A task's fields with their labels, hints and errors, for adding and editing alike: the
/// form's alert, the title, then description, priority, due date and tags. Every id starts
/// with `id_prefix` (`add-task` gives `add-task-title`); `values` fill the fields.
#[component]
pub(crate) fn TaskFields(
    form: FormState,
    values: TaskForm,
    #[prop(into)] id_prefix: String,
    title_label: &'static str,
    /// Placeholders and the tags hint, for the empty add form.
    #[prop(optional)]
    guide: bool,
    /// Folds the fields after the title into "More", open when one of them has something
    /// to show (an error, or a value kept from a refused post).
    #[prop(optional)]
    fold: bool,
    /// Beside the title, in a row with it (the add form's button).
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    let id = |field: &str| format!("{id_prefix}-{field}");
    let TaskForm {
        title,
        description,
        priority,
        due_date,
        tags,
    } = values;
    let filled = [&description, &priority, &due_date, &tags]
        .iter()
        .any(|v| !v.is_empty());
    let open = move || filled || FIELDS[1..].iter().any(|f| form.field_error(f).is_some());
    let priorities = Priority::ALL
        .into_iter()
        .map(|p| (option_value(p).to_owned(), p.label().to_owned()))
        .collect();
    let more = view! {
        <div class="more-fields">
            <Field form name="description" id=id("description") class="wide" label="Description"
                kind=Control::TextArea(3) maxlength=DESCRIPTION_MAX_CHARS as u32 value=description />
            <Field form name="priority" id=id("priority") label="Priority"
                kind=Control::Select(priorities) value=priority />
            <Field form name="due_date" id=id("due") label="Due date" kind="date" value=due_date />
            <Field form name="tags" id=id("tags") class="wide" label="Tags" autocomplete="off"
                maxlength=TAGS_FIELD_MAX_CHARS as u32 list="tag-names" value=tags
                placeholder=guide.then(|| "work, home".to_owned())
                hint=guide.then(|| "Separate tags with commas; new ones are created.".to_owned()) />
        </div>
    };
    view! {
        <FormAlert form fields=FIELDS.to_vec() />
        <Field form name="title" id=id("title") label=title_label autocomplete="off"
            maxlength=TITLE_MAX_CHARS as u32 value=title autofocus=true beside=children
            placeholder=guide.then(|| "Add a task and press Enter".to_owned()) />
        {if fold {
            Either::Left(view! {
                <details class="new-task-more" open=open>
                    <summary>"More: description, priority, due date, tags"</summary>
                    {more}
                </details>
            })
        } else {
            Either::Right(more)
        }}
    }
}

/// A priority as the select's option value: empty for none.
fn option_value(priority: Priority) -> &'static str {
    match priority {
        Priority::None => "",
        p => p.as_str(),
    }
}

/// A task as its form shows it.
fn task_values(task: &Task) -> TaskForm {
    TaskForm {
        title: task.title.clone(),
        description: task.description.clone().unwrap_or_default(),
        priority: option_value(task.priority).to_owned(),
        due_date: task
            .due_date
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
        tags: task.tags.join(", "),
    }
}

/// What was typed before a plain post of `form` was refused, each field falling back to
/// `values`.
fn kept_or(form: FormState, values: TaskForm) -> TaskForm {
    let kept = |name: &str, value: String| form.kept_value(name).unwrap_or(value);
    TaskForm {
        title: kept("title", values.title),
        description: kept("description", values.description),
        priority: kept("priority", values.priority),
        due_date: kept("due_date", values.due_date),
        tags: kept("tags", values.tags),
    }
}

/// What the task form `el` holds now, read by the fields' names.
fn read(el: &HtmlFormElement) -> TaskForm {
    let value = |name| field_value(el, name);
    TaskForm {
        title: value("title"),
        description: value("description"),
        priority: value("priority"),
        due_date: value("due_date"),
        tags: value("tags"),
    }
}

/// Puts `values` into the task form `el`.
fn write(el: &HtmlFormElement, values: &TaskForm) {
    for (name, value) in values.fields() {
        set_field_value(el, name, value);
    }
}

#[component]
pub(crate) fn NewTaskForm(store: Store) -> impl IntoView {
    let form = store.forms.add;
    let form_ref = NodeRef::<html::Form>::new();
    let on_submit = move |ev: ev::SubmitEvent| {
        prevent(&ev);
        let Some(el) = form_ref.get() else { return };
        let typed = read(&el);
        match TaskInput::parse(&typed) {
            Err(error) => store.forms.add_result.set(Some(Err(error))),
            Ok(input) => {
                store.forms.add_result.set(None);
                write(&el, &TaskForm::default());
                focus_field(&el, "title");
                store.add(input, move || {
                    // Give back what was typed, so nothing is lost.
                    if let Some(el) = form_ref.get_untracked() {
                        if field_value(&el, "title").is_empty() {
                            write(&el, &typed);
                        }
                        focus_field(&el, "title");
                    }
                });
            }
        }
    };
    view! {
        <form method="post" action=AddTask::url() class="new-task card" node_ref=form_ref on:submit=on_submit>
            <TaskFields form values=kept_or(form, TaskForm::default()) id_prefix="add-task"
                title_label="What needs doing?" guide=true fold=true>
                <button type="submit" class="primary">"Add"</button>
            </TaskFields>
        </form>
    }
}

#[component]
pub(crate) fn EditTaskForm(task: Task, store: Store) -> impl IntoView {
    let form = store.forms.edit;
    let id = task.id;
    let form_ref = NodeRef::<html::Form>::new();
    let version = task.version;
    // What was typed before a refused change of this task: kept by the store (hydrated) or
    // by the refused plain post.
    let draft = store
        .draft
        .try_update_value(|d| d.take_if(|(of, _)| *of == id))
        .flatten();
    let values = match draft {
        Some((_, typed)) => typed,
        None if form.kept_value("id") == Some(id.to_string()) => kept_or(form, task_values(&task)),
        None => task_values(&task),
    };
    let now = format!(
        "It now reads “{}”{}. Your version is in the form: save it to replace theirs, or cancel \
         to keep it as it is.",
        task.title,
        if task.completed { " and is done" } else { "" },
    );
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
        if let Some(el) = form_ref.get() {
            focus_field(&el, "title");
        }
    });
    let on_submit = move |ev: ev::SubmitEvent| {
        prevent(&ev);
        let Some(el) = form_ref.get() else { return };
        match TaskInput::parse(&read(&el)) {
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
        <form method="post" action=UpdateTask::url() class="edit-task" node_ref=form_ref
            on:submit=on_submit on:keydown=on_keydown>
            <input type="hidden" name="id" value=id />
            <input type="hidden" name="version" value=version />
            <TaskFields form values id_prefix=format!("edit-{id}") title_label="Title" />
            <Show when=move || form.error() == Some(AppError::Conflict)>
                <p class="conflict">{now.clone()}</p>
            </Show>
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
