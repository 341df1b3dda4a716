-- Sessions move from the session store's own table (tower_sessions.session) to one of the
-- app's: the same three columns the store reads and writes, plus the signed-in person. A
-- session's load then reads its person's current row in the same statement (one round trip
-- to learn who is calling), and deleting an account deletes its sessions.
--
-- Sessions of the old table are not carried over: everyone signs in once more after this
-- migration. The old table is left for an older instance still running during a rollout.
create table sessions (
    id          text primary key,
    data        bytea not null,
    expiry_date timestamptz not null,
    user_id     uuid references users (id) on delete cascade
);
create index sessions_user_id_idx on sessions (user_id);
create index sessions_expiry_date_idx on sessions (expiry_date);
