//! The task form: adding a task and editing one.

use leptos::{ev, html, prelude::*, server_fn::ServerFn};

use crate::{
    forms::{prevent, FieldError, FormAlert},
    tags::TAGS_FIELD_MAX_CHARS,
    tasks::{
        api::{AddTask, UpdateTask},
        input::{TaskForm, TaskInput},
        Priority, Task, DESCRIPTION_MAX_CHARS, TITLE_MAX_CHARS,
    },
};

use super::store::Store;
#[component]
pub(crate) fn NewTaskForm(store: Store) -> impl IntoView {
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
        let typed = TaskForm {
            title: title.value(),
            description: description.value(),
            priority: priority.value(),
            due_date: due.value(),
            tags: tags.value(),
        };
        match TaskInput::parse(&typed) {
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
                            t.set_value(&typed.title);
                            d.set_value(&typed.description);
                            p.set_value(&typed.priority);
                            u.set_value(&typed.due_date);
                            g.set_value(&typed.tags);
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
pub(crate) fn PrioritySelect(
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

#[component]
pub(crate) fn EditTaskForm(task: Task, store: Store) -> impl IntoView {
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
        let typed = TaskForm {
            title: t.value(),
            description: d.value(),
            priority: p.value(),
            due_date: u.value(),
            tags: g.value(),
        };
        match TaskInput::parse(&typed) {
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
