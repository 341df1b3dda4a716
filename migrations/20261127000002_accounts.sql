-- Accounts: sessions that a password change can end, and the counters that slow down
-- password guessing. (The session rows themselves live in the tower_sessions schema, which
-- the session store creates and migrates on its own.)

-- Stored in each session at sign-in; a password change bumps it, which signs out every
-- other session of that person.
alter table users add column session_epoch integer not null default 0;

-- One row per failed sign-in, per normalised email (known or not), so the limit holds
-- across server instances and restarts.
create table sign_in_failures (
    email     text not null,
    failed_at timestamptz not null default now()
);
create index sign_in_failures_email_failed_at_idx on sign_in_failures (email, failed_at);

-- One row per sign-in or sign-up attempt, per client address.
create table auth_attempts (
    address      text not null,
    attempted_at timestamptz not null default now()
);
create index auth_attempts_address_attempted_at_idx on auth_attempts (address, attempted_at);
