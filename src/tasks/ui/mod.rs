//! The task page: add, list, toggle, edit, delete, filter, mark all, clear completed.
//!
//! Every control is a real form that posts to its server function, so the page works with
//! JavaScript off (the server redirects back). Hydrated, the same forms are intercepted:
//! the change shows at once (optimistic) and is rolled back with a message if the server
//! refuses it; a delete alone waits for the server (see `Store::delete`).
//!
//! Rooms: this file is the page and its data; `store` the list as shown and its changes;
//! `list` the list, its controls and footer; `form` the task form, for adding and editing;
//! `queue` sends the page's requests one at a time, in order.

mod form;
mod list;
mod queue;
mod reminders;
mod store;

use leptos::{either::Either, prelude::*};
use leptos_meta::Title;
use leptos_router::{
    components::{Redirect, A},
    hooks::use_query_map,
};

use crate::{
    auth::ui::{ErrorNotice, RequireUser},
    error::AppError,
    forms::FormState,
    tags::{api::list_tags, Tag},
    tasks::{list::ListQuery, TaskPage},
};

use list::TaskList;
use store::{fetch_page, Forms};
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
