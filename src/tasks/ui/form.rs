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
        repeat_form::REPEAT_DAYS,
        Priority, Task, DESCRIPTION_MAX_CHARS, TITLE_MAX_CHARS,
    },
};

use super::store::Store;

/// The fields' names, as `TaskForm` has them and the form posts them, in the form's order.
fn field_names() -> Vec<&'static str> {
    TaskForm::NAMES.to_vec()
}

/// The reminder choices: (the `remind` value, its label).
const REMIND_CHOICES: [(&str, &str); 11] = [
    ("", "No reminder"),
    ("at", "At a date and time…"),
    ("0", "When it is due"),
    ("5", "5 minutes before"),
    ("15", "15 minutes before"),
    ("30", "30 minutes before"),
    ("60", "1 hour before"),
    ("120", "2 hours before"),
    ("1440", "1 day before"),
    ("2880", "2 days before"),
    ("10080", "1 week before"),
];

/// What a repeat is counted in, for the "Every" field's unit.
fn repeat_unit(kind: &str) -> &'static str {
    match kind {
        "daily" => "days",
        "weekly" => "weeks",
        "monthly" => "months",
        "yearly" => "years",
        _ => "",
    }
}

/// A task's fields with their labels, hints and errors, for adding and editing alike: the
/// form's alert, the title, then description, priority, due date and time, repeat, reminder
/// and tags. Every id starts with `id_prefix` (`add-task` gives `add-task-title`); `values`
/// fill the fields.
///
/// The repeat picker shows every field without JavaScript (each is read only when its
/// choice needs it); hydrated, it shows those of the chosen repeat and says the repeat in
/// words as it is changed.
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
    let names = field_names();
    let filled = values
        .fields()
        .iter()
        .any(|(name, value)| *name != "title" && !value.is_empty());
    let open = {
        let names = names.clone();
        move || filled || names[1..].iter().any(|f| form.field_error(f).is_some())
    };
    let priorities = Priority::ALL
        .into_iter()
        .map(|p| (option_value(p).to_owned(), p.label().to_owned()))
        .collect();
    // The repeat as chosen now, and in words: from `values` on the server, then from the
    // fields as they change.
    let summary = RwSignal::new(values.repeat_summary().ok().flatten());
    let kind = RwSignal::new(values.repeat.clone());
    let remind = RwSignal::new(values.remind.clone());
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let hide = move |needs: &'static [&'static str], of: RwSignal<String>| {
        move || hydrated.get() && !needs.contains(&of.get().as_str())
    };
    let on_change = move |ev: ev::Event| {
        use wasm_bindgen::JsCast;
        let Some(el) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|el| el.closest("form").ok().flatten())
            .and_then(|f| f.dyn_into::<HtmlFormElement>().ok())
        else {
            return;
        };
        let typed = read(&el);
        kind.set(typed.repeat.clone());
        remind.set(typed.remind.clone());
        summary.set(match typed.repeat_summary() {
            Ok(words) => words,
            Err(_) => Some("Repeats: check the fields below".to_owned()),
        });
    };
    let repeat_kinds = vec![
        (String::new(), "Does not repeat".to_owned()),
        ("daily".to_owned(), "Daily".to_owned()),
        ("weekdays".to_owned(), "Every weekday (Mon–Fri)".to_owned()),
        ("weekly".to_owned(), "Weekly".to_owned()),
        ("monthly".to_owned(), "Monthly".to_owned()),
        ("yearly".to_owned(), "Yearly".to_owned()),
    ];
    // A rule sent by a program that the picker's choices cannot say stays as it is.
    let mut repeat_kinds = repeat_kinds;
    if values.repeat.contains('=') {
        repeat_kinds.push((values.repeat.clone(), "As set (keep)".to_owned()));
    }
    let mut monthly = vec![
        (String::new(), "On the due date's day".to_owned()),
        ("last".to_owned(), "On the last day of the month".to_owned()),
    ];
    if let Ok(day) = values.repeat_monthly.parse::<u8>() {
        monthly.push((day.to_string(), format!("On day {day}")));
    }
    let mut reminds: Vec<(String, String)> = REMIND_CHOICES
        .iter()
        .map(|(v, l)| ((*v).to_owned(), (*l).to_owned()))
        .collect();
    if !values.remind.is_empty() && !reminds.iter().any(|(v, _)| *v == values.remind) {
        reminds.push((
            values.remind.clone(),
            format!("{} minutes before", values.remind),
        ));
    }
    let day_boxes = REPEAT_DAYS
        .iter()
        .map(|day| {
            let checked = !values.get(day.field).is_empty();
            view! {
                <label class="day">
                    <input type="checkbox" name=day.field value="on" checked=checked aria-label=day.full />
                    {day.short}
                </label>
            }
        })
        .collect_view();
    let unit = move || match repeat_unit(&kind.get()) {
        "" => "days, weeks, months or years".to_owned(),
        unit => unit.to_owned(),
    };
    let more = view! {
        <div class="more-fields" on:change=on_change on:input=on_change>
            <Field form name="description" id=id("description") class="wide" label="Description"
                kind=Control::TextArea(3) maxlength=DESCRIPTION_MAX_CHARS as u32 value=values.description />
            <Field form name="priority" id=id("priority") label="Priority"
                kind=Control::Select(priorities) value=values.priority />
            <Field form name="due_date" id=id("due") label="Due date" kind="date" value=values.due_date />
            <Field form name="due_time" id=id("due-time") label="Due time (optional)" kind="time"
                value=values.due_time />
            <fieldset class="wide repeat">
                <legend>"Repeat"</legend>
                <Field form name="repeat" id=id("repeat") label="Repeats"
                    kind=Control::Select(repeat_kinds) value=values.repeat />
                <div class="repeat-every" hidden=hide(&["daily", "weekly", "monthly", "yearly"], kind)>
                    <Field form name="repeat_every" id=id("repeat-every") label="Every" kind="number"
                        value=values.repeat_every placeholder="1".to_owned()
                        hint=Signal::derive(unit) />
                </div>
                <fieldset class="days" hidden=hide(&["weekly"], kind)>
                    <legend>"On (weekly)"</legend>
                    {day_boxes}
                </fieldset>
                <div hidden=hide(&["monthly"], kind)>
                    <Field form name="repeat_monthly" id=id("repeat-monthly") label="Day of the month (monthly)"
                        kind=Control::Select(monthly) value=values.repeat_monthly />
                </div>
                <div class="repeat-end" hidden=hide(&["daily", "weekdays", "weekly", "monthly", "yearly"], kind)>
                    <Field form name="repeat_from" id=id("repeat-from") label="Next one counts from"
                        kind=Control::Select(vec![
                            (String::new(), "The due date".to_owned()),
                            ("completion".to_owned(), "The day it is completed".to_owned()),
                        ])
                        value=values.repeat_from />
                    <Field form name="repeat_until" id=id("repeat-until") label="Until (optional)" kind="date"
                        value=values.repeat_until />
                    <Field form name="repeat_count" id=id("repeat-count") label="Times (optional)" kind="number"
                        value=values.repeat_count hint="How many times in all, this one included.".to_owned() />
                </div>
                <p class="repeat-summary" aria-live="polite" data-testid=id("repeat-summary")>
                    {move || summary.get()}
                </p>
            </fieldset>
            <fieldset class="wide remind">
                <legend>"Reminder"</legend>
                <Field form name="remind" id=id("remind") label="Remind me"
                    kind=Control::Select(reminds) value=values.remind
                    hint="Reminders show while your list is open in a browser with JavaScript on.".to_owned() />
                <div hidden=hide(&["at"], remind)>
                    <Field form name="remind_at" id=id("remind-at") label="Remind at" kind="datetime-local"
                        value=values.remind_at />
                </div>
            </fieldset>
            <Field form name="tags" id=id("tags") class="wide" label="Tags" autocomplete="off"
                maxlength=TAGS_FIELD_MAX_CHARS as u32 list="tag-names" value=values.tags
                placeholder=guide.then(|| "work, home".to_owned())
                hint=guide.then(|| "Separate tags with commas; new ones are created.".to_owned()) />
        </div>
    };
    view! {
        <FormAlert form fields=names />
        <Field form name="title" id=id("title") label=title_label autocomplete="off"
            maxlength=TITLE_MAX_CHARS as u32 value=values.title autofocus=true beside=children
            placeholder=guide.then(|| "Add a task and press Enter".to_owned()) />
        {if fold {
            Either::Left(view! {
                <details class="new-task-more" open=open>
                    <summary>"More: description, priority, due date, repeat, reminder, tags"</summary>
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

/// What was typed before a plain post of `form` was refused, each field falling back to
/// `values`.
fn kept_or(form: FormState, values: TaskForm) -> TaskForm {
    let mut kept = values.clone();
    for (name, value) in values.fields() {
        kept.set(
            name,
            form.kept_value(name).unwrap_or_else(|| value.to_owned()),
        );
    }
    kept
}

/// What the task form `el` holds now, read by the fields' names.
fn read(el: &HtmlFormElement) -> TaskForm {
    let mut typed = TaskForm::default();
    for name in field_names() {
        typed.set(name, field_value(el, name));
    }
    typed
}

/// Puts `values` into the task form `el`, and lets the repeat picker know (a value set by
/// code sends no event of its own).
fn write(el: &HtmlFormElement, values: &TaskForm) {
    for (name, value) in values.fields() {
        set_field_value(el, name, value);
    }
    #[cfg(feature = "hydrate")]
    {
        let init = web_sys::EventInit::new();
        init.set_bubbles(true);
        if let (Ok(Some(repeat)), Ok(changed)) = (
            el.query_selector("[name=\"repeat\"]"),
            web_sys::Event::new_with_event_init_dict("change", &init),
        ) {
            let _ = repeat.dispatch_event(&changed);
        }
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
        None if form.kept_value("id") == Some(id.to_string()) => {
            kept_or(form, TaskForm::from_task(&task, &store.zone.get_value()))
        }
        None => TaskForm::from_task(&task, &store.zone.get_value()),
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
            <input type="hidden" name="form_fields" value=TaskForm::field_list() />
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
