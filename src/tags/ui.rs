//! The tags page: each of the person's tags, renamed or deleted in place (deleting keeps the
//! tasks).

use leptos::{either::Either, ev, html, prelude::*, server_fn::ServerFn, task::spawn_local};
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};

use crate::{
    auth::ui::{ErrorNotice, RequireUser},
    error::AppError,
    forms::{prevent, FieldError, FormAlert, FormState},
    tags::{
        api::{list_tags, DeleteTag, RenameTag},
        Tag, TagPage, TAG_MAX_CHARS,
    },
    tasks::list::ListQuery,
};
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
    // Changes made elsewhere show without a reload, unless a name is being typed here (the
    // next change after that brings them).
    Effect::new(move |_| {
        crate::live::on_change(move |_| {
            if !typing_a_name() {
                tags.refetch();
            }
        });
    });
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

/// Whether focus is in one of the tags' name fields.
fn typing_a_name() -> bool {
    #[cfg(feature = "hydrate")]
    {
        document()
            .active_element()
            .is_some_and(|el| el.id().starts_with("tag-") && el.id().ends_with("-name"))
    }
    #[cfg(not(feature = "hydrate"))]
    false
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
                <button type="submit" class="subtle" aria-label=format!("Rename tag {}", tag.name)>
                    "Rename"
                </button>
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
