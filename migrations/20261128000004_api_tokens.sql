-- Personal access tokens for the JSON API (/api/v1). Expand only: a new table that older
-- instances never read.
--
-- The token itself is 256 random bits that only its owner ever sees (once, at creation).
-- What is kept is its SHA-256, the key a request's token is looked up by: random secrets
-- need no slow hash, and a leak of this table gives no usable token. Revoking deletes the
-- row, so the very next request with it is refused; so does deleting the account.

create table api_tokens (
    id           bigint generated always as identity primary key,
    user_id      uuid not null
                 constraint api_tokens_user_id_fkey references users (id) on delete cascade,
    name         text not null
                 constraint api_tokens_name_length check (char_length(name) between 1 and 100)
                 constraint api_tokens_name_not_blank check (name ~ '[^[:space:]]'),
    -- 'read': read only; 'write': read and write.
    scope        text not null
                 constraint api_tokens_scope check (scope in ('read', 'write')),
    token_hash   bytea not null
                 constraint api_tokens_token_hash_length check (length(token_hash) = 32),
    created_at   timestamptz not null default now(),
    expires_at   timestamptz,
    -- Moved on by a request at most once a minute (`tokens::db::authenticate`).
    last_used_at timestamptz
);

create unique index api_tokens_token_hash_key on api_tokens (token_hash);
create index api_tokens_user_id_created_at_idx on api_tokens (user_id, created_at, id);
