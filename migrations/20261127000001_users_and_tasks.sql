-- Users and their tasks. Timestamps are set by the database; `updated_at` is moved by
-- one trigger function that every table with that column reuses.

create or replace function set_updated_at() returns trigger
language plpgsql as $$
begin
    new.updated_at := now();
    return new;
end;
$$;

create table users (
    id            uuid primary key,
    -- Stored trimmed and lowercased by the server; the unique index below is on lower()
    -- so that no other path can ever store a case variant twice.
    email         text not null
                  constraint users_email_length check (char_length(email) between 3 and 254),
    password_hash text not null,
    name          text
                  constraint users_name_length check (name is null or char_length(name) between 1 and 100),
    created_at    timestamptz not null default now(),
    updated_at    timestamptz not null default now()
);

create unique index users_email_key on users (lower(email));

create trigger users_set_updated_at
    before update on users
    for each row execute function set_updated_at();

create table tasks (
    id          bigint generated always as identity primary key,
    user_id     uuid not null
                constraint tasks_user_id_fkey references users (id) on delete cascade,
    title       text not null
                constraint tasks_title_length check (char_length(title) between 1 and 200)
                constraint tasks_title_not_blank check (title ~ '[^[:space:]]'),
    description text
                constraint tasks_description_length check (char_length(description) <= 1000),
    completed   boolean not null default false,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now()
);

-- Serves `where user_id = $1 order by created_at desc, id desc` (the list page) and every
-- other lookup by owner; it also makes the plain user_id index redundant.
create index tasks_user_id_created_at_idx on tasks (user_id, created_at desc, id desc);

create trigger tasks_set_updated_at
    before update on tasks
    for each row execute function set_updated_at();
