//! The list as the page shows it: changed at once by the person, reconciled with the
//! server's answers, rolled back with a message when the server refuses.

use chrono::Utc;
use leptos::{prelude::*, task::spawn_local};

use super::queue::{enqueue, more_waiting};
use crate::{
    error::AppError,
    forms::FormState,
    live::Change,
    tasks::{
        api::list_tasks,
        input::{TaskForm, TaskInput},
        list::ListQuery,
        Completion, Counts, Task, TaskError, TaskPage,
    },
    zone::Zone,
};

/// The most pages a refresh reads again to cover what the page shows (50 tasks each).
const REFRESH_MAX_PAGES: usize = 10;
/// The forms of the page and their latest (hydrated) results.
#[derive(Clone, Copy)]
pub(crate) struct Forms {
    pub(crate) add: FormState,
    pub(crate) edit: FormState,
    pub(crate) action: FormState,
    pub(crate) add_result: RwSignal<Option<Result<(), AppError>>>,
    pub(crate) edit_result: RwSignal<Option<Result<(), AppError>>>,
    pub(crate) action_result: RwSignal<Option<Result<(), AppError>>>,
}

/// The list as the page shows it, changed at once by the person and reconciled with the
/// server's answers.
#[derive(Clone, Copy)]
pub(crate) struct Store {
    pub(crate) tasks: RwSignal<Vec<Task>>,
    pub(crate) counts: RwSignal<Counts>,
    pub(crate) next_cursor: RwSignal<Option<String>>,
    pub(crate) editing: RwSignal<Option<i64>>,
    pub(crate) view: StoredValue<ListQuery>,
    /// The person's time zone: every date and time of the list is shown in it.
    pub(crate) zone: StoredValue<Zone>,
    pub(crate) next_temp_id: StoredValue<i64>,
    pub(crate) forms: Forms,
    /// The task whose last change was refused because it had changed elsewhere: it shows
    /// as it is now, with a note beside it.
    pub(crate) conflict: RwSignal<Option<i64>>,
    /// What the person had typed in an edit refused that way, put back into its form.
    pub(crate) draft: StoredValue<Option<(i64, TaskForm)>>,
    /// A refresh is running (`Some(false)`), or running and asked for again (`Some(true)`).
    pub(crate) refreshing: StoredValue<Option<bool>>,
    /// Versions the page's own writes moved a task on by, `(id, from, to)`, while more of its
    /// writes were still to leave: a later one based on `from` is based on `to` (it was made
    /// on top of the earlier one). Emptied when a write is answered with nothing behind it
    /// (after a refused one, what stays is still true, and is emptied by the next answer).
    pub(crate) moved: StoredValue<Vec<(i64, i32, i32)>>,
}

impl Store {
    pub(crate) fn report(&self, error: AppError) {
        self.forms.action_result.set(Some(Err(error)));
    }

    /// Changes the task `id` as the page shows it, if it shows it.
    fn change(&self, id: i64, f: impl FnOnce(&mut Task)) {
        self.tasks.update(|ts| {
            if let Some(t) = ts.iter_mut().find(|t| t.id == id) {
                f(t);
            }
        });
    }

    pub(crate) fn replace(&self, task: Task) {
        self.change(task.id, |t| *t = task);
    }

    /// The task `id` as the page shows it now.
    pub(crate) fn find(&self, id: i64) -> Option<Task> {
        self.tasks
            .with_untracked(|ts| ts.iter().find(|t| t.id == id).cloned())
    }

    /// The version a write made on the page when it showed version `seen` of task `id` is
    /// based on, at the moment it leaves: `seen`, moved on by the page's own writes sent
    /// before it (another device's change still meets the conflict it should).
    fn based_on(&self, id: i64, seen: i32) -> i32 {
        self.moved.with_value(|moved| {
            let mut version = seen;
            while let Some(&(_, _, to)) = moved
                .iter()
                .find(|&&(i, from, _)| i == id && from == version)
            {
                version = to;
            }
            version
        })
    }

    /// The server's answer to one of the page's own writes, based on version `from`: shown
    /// whole, unless more of the person's changes are still to leave (they already show, and
    /// the answer would undo them for a moment); then only the version moves.
    fn settle(&self, from: i32, task: Task) {
        if more_waiting() {
            self.moved
                .update_value(|moved| moved.push((task.id, from, task.version)));
            self.change(task.id, |t| {
                t.version = task.version;
                t.updated_at = task.updated_at;
            });
        } else {
            self.moved.update_value(Vec::clear);
            self.replace(task);
        }
    }

    /// After a change was refused as stale: shows the task as it is now (the refusal
    /// carries it), marked as changed elsewhere.
    fn show_stale(&self, now: Task) {
        if let Some(shown) = self.find(now.id) {
            if shown.completed != now.completed {
                self.counts.update(|c| shift(c, now.completed, 1));
            }
        }
        self.conflict.set(Some(now.id));
        self.replace(now);
    }

    /// The server's answer to a completion based on version `from`: the task, and a
    /// repeating one's next occurrence shown below it (where the view shows such a task;
    /// the next read of the list puts it in its place) or taken back.
    fn completed(&self, from: i32, done: Completion) {
        let id = done.task.id;
        self.settle(from, done.task);
        if let Some(next) = done.added.filter(|next| self.find(next.id).is_none()) {
            self.counts.update(|c| add_one(c, next.completed));
            if self.view.with_value(|view| view.shows(&next)) {
                self.tasks.update(|ts| {
                    let at = ts.iter().position(|t| t.id == id).map_or(0, |i| i + 1);
                    ts.insert(at, next);
                });
            }
        }
        for gone in done.withdrawn {
            // Counted in the whole list whether or not this view shows it; never done.
            self.counts.update(|c| remove_one(c, false));
            self.tasks.update(|ts| ts.retain(|t| t.id != gone));
        }
    }

    pub(crate) fn toggle(&self, id: i64, completed: bool) {
        let store = *self;
        let Some(before) = self.find(id) else {
            return;
        };
        if before.completed == completed {
            return;
        }
        self.forms.action_result.set(None);
        self.conflict.set(None);
        self.change(id, |t| t.completed = completed);
        self.counts.update(|c| shift(c, completed, 1));
        enqueue(async move {
            let based_on = store.based_on(id, before.version);
            match crate::tasks::api::set_task_completed(id, completed, Some(based_on)).await {
                Ok(done) => store.completed(based_on, done),
                Err(error) => {
                    store.change(id, |t| t.completed = !completed);
                    store.counts.update(|c| shift(c, !completed, 1));
                    match error {
                        TaskError::Stale { conflict } => store.show_stale(*conflict),
                        TaskError::App(error) => store.report(error),
                    }
                }
            }
        });
    }

    pub(crate) fn set_all(&self, completed: bool) {
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
        let repeats = tasks.iter().any(|t| t.repeat.is_some());
        enqueue(async move {
            match crate::tasks::api::set_all_completed(completed).await {
                // Next occurrences were added (or taken away): read the list again.
                Ok(_) if repeats => store.refresh(),
                Ok(_) => {}
                Err(error) => {
                    store.tasks.set(tasks);
                    store.counts.set(counts);
                    store.report(error);
                }
            }
        });
    }

    pub(crate) fn delete(&self, id: i64) {
        let store = *self;
        let Some(completed) = self.find(id).map(|t| t.completed) else {
            return;
        };
        self.forms.action_result.set(None);
        // Not optimistic: the task goes once the server has deleted it, so a page reloaded
        // right after never reads the list before the delete is made.
        enqueue(async move {
            match crate::tasks::api::delete_task(id).await {
                Ok(()) => {
                    store.tasks.update(|ts| ts.retain(|t| t.id != id));
                    store.counts.update(|c| remove_one(c, completed));
                }
                Err(error) => store.report(error),
            }
        });
    }

    pub(crate) fn clear_completed(&self) {
        let store = *self;
        let (tasks, counts) = (self.tasks.get_untracked(), self.counts.get_untracked());
        self.forms.action_result.set(None);
        self.tasks.update(|ts| ts.retain(|t| !t.completed));
        self.counts.update(|c| c.completed = 0);
        enqueue(async move {
            if let Err(error) = crate::tasks::api::clear_completed().await {
                store.tasks.set(tasks);
                store.counts.set(counts);
                store.report(error);
            }
        });
    }

    /// Adds at the top at once under a temporary id; the server's task replaces it.
    pub(crate) fn add(&self, input: TaskInput, on_error: impl FnOnce() + 'static) {
        let store = *self;
        let temp_id = self.next_temp_id.get_value();
        self.next_temp_id.set_value(temp_id - 1);
        let now = Utc::now();
        let shown = input.preview(temp_id, now, &self.zone.get_value());
        self.tasks.update(|ts| ts.insert(0, shown));
        self.counts.update(|c| add_one(c, false));
        let form = input.form();
        enqueue(async move {
            match crate::tasks::api::add_task(form).await {
                // A refresh may have brought the new task already: then the stand-in goes.
                Ok(task) => store.tasks.update(|ts| {
                    if ts.iter().any(|t| t.id == task.id) {
                        ts.retain(|t| t.id != temp_id);
                    } else if let Some(t) = ts.iter_mut().find(|t| t.id == temp_id) {
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

    pub(crate) fn update(&self, id: i64, input: TaskInput) {
        let store = *self;
        let Some(before) = self.find(id) else {
            return;
        };
        // Every field the input holds, as the server will store it; what the input does not
        // hold stays as it was.
        let edited = input.preview(id, Utc::now(), &self.zone.get_value());
        self.change(id, |t| {
            *t = Task {
                id: t.id,
                completed: t.completed,
                created_at: t.created_at,
                updated_at: t.updated_at,
                version: t.version,
                ..edited
            }
        });
        self.editing.set(None);
        self.forms.edit_result.set(None);
        self.conflict.set(None);
        let form = input.form();
        enqueue(async move {
            let based_on = store.based_on(id, before.version);
            match crate::tasks::api::update_task(
                id,
                Some(based_on),
                Some(TaskForm::field_list()),
                form.clone(),
            )
            .await
            {
                Ok(task) => store.settle(based_on, task),
                Err(error) => {
                    // As it was before the edit, at the version it has now.
                    store.change(id, |t| {
                        *t = Task {
                            version: t.version,
                            ..before
                        }
                    });
                    if let TaskError::Stale { conflict } = &error {
                        // The form opens again with what was typed, beside the task as it is now.
                        store.draft.set_value(Some((id, form)));
                        store.show_stale((**conflict).clone());
                    }
                    store.forms.edit_result.set(Some(Err(error.into())));
                    store.editing.set(Some(id));
                }
            }
        });
    }

    /// Whether the page already shows what `change` says (the echo of its own write).
    pub(crate) fn already_shows(&self, change: Change) -> bool {
        self.tasks.with_untracked(|ts| match change {
            Change::Task { id, v } => ts.iter().any(|t| t.id == id && t.version >= v),
            Change::Deleted { id } => !ts.iter().any(|t| t.id == id),
            Change::Tasks | Change::Tags | Change::Resync => false,
        })
    }

    /// Whether `change` may bring a reminder to show: anything the page does not already
    /// show, or a task it shows with a reminder.
    pub(crate) fn may_remind(&self, change: Change) -> bool {
        !self.already_shows(change)
            || match change {
                Change::Task { id, .. } => self.find(id).is_some_and(|t| t.remind_at.is_some()),
                _ => false,
            }
    }

    /// Reads the list again as far as the page shows it (changes made elsewhere arrived),
    /// keeping what is the person's own for now: tasks still being added, and the task being
    /// edited as it was when the edit began (saving it then meets the conflict, if any). Runs
    /// once at a time; asked again meanwhile, it runs once more after. It waits in the queue
    /// behind the page's own writes; if more of them were made while it read, what it read
    /// is already behind the page, so it is dropped and read again after them.
    pub(crate) fn refresh(&self) {
        let store = *self;
        if let Some(again) = self.refreshing.get_value() {
            if !again {
                self.refreshing.set_value(Some(true));
            }
            return;
        }
        self.refreshing.set_value(Some(false));
        enqueue(async move {
            let shown = store
                .tasks
                .with_untracked(|ts| ts.iter().filter(|t| t.id > 0).count())
                .max(1);
            let view = store.view.get_value();
            let mut fresh = Vec::new();
            let mut after = None;
            let mut last = None;
            for _ in 0..REFRESH_MAX_PAGES {
                match fetch_page(view.clone(), after.take()).await {
                    Ok(page) => {
                        fresh.extend(page.tasks);
                        let more = page.next_cursor.clone();
                        last = Some((page.counts, page.next_cursor));
                        match more {
                            Some(cursor) if fresh.len() < shown => after = Some(cursor),
                            _ => break,
                        }
                    }
                    Err(error) => {
                        store.report(error);
                        break;
                    }
                }
            }
            if more_waiting() {
                store.refreshing.set_value(Some(true));
            } else if let Some((counts, next_cursor)) = last {
                let editing = store.editing.get_untracked();
                store.tasks.update(|ts| {
                    if let Some(mine) = editing.and_then(|e| ts.iter().find(|t| t.id == e)) {
                        if let Some(slot) = fresh.iter_mut().find(|t| t.id == mine.id) {
                            *slot = mine.clone();
                        }
                    }
                    let adding = ts.iter().filter(|t| t.id < 0).cloned();
                    *ts = adding.chain(fresh).collect();
                });
                store.counts.set(counts);
                store.next_cursor.set(next_cursor);
            }
            let again = store.refreshing.get_value() == Some(true);
            store.refreshing.set_value(None);
            if again {
                store.refresh();
            }
        });
    }

    pub(crate) fn load_more(&self) {
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

pub(crate) fn shift(c: &mut Counts, to_completed: bool, n: i64) {
    if to_completed {
        c.active -= n;
        c.completed += n;
    } else {
        c.active += n;
        c.completed -= n;
    }
}

pub(crate) fn add_one(c: &mut Counts, completed: bool) {
    if completed {
        c.completed += 1;
    } else {
        c.active += 1;
    }
}

pub(crate) fn remove_one(c: &mut Counts, completed: bool) {
    if completed {
        c.completed -= 1;
    } else {
        c.active -= 1;
    }
}

/// Calls `list_tasks` for a view of the list.
pub(crate) async fn fetch_page(
    view: ListQuery,
    after: Option<String>,
) -> Result<TaskPage, AppError> {
    list_tasks(view.params(), after).await
}

#[cfg(test)]
mod tests {
    use super::*;

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
