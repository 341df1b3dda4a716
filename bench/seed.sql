-- The benchmark data set, written straight into the tables for speed (bench/run.sh runs it
-- with psql after the load generator has signed up the named benchmark users through
-- POST /api/sign_up, so their password hashes are real argon2id hashes).
--
--   bench-100@example.com      100 tasks      (the "small list" of the growth comparison)
--   bench-10k@example.com      10,000 tasks
--   bench-100k@example.com     100,000 tasks
--   bench-rw@example.com       10,000 tasks   (the add / toggle / edit runs write here, so the
--                                               read runs above always see the same lists)
--   bench-small-N@example.com  :small_users people with 0 to 300 tasks each (most have few),
--                              sharing the template user's password hash: signing in as them
--                              is a real argon2 verify.
--
-- Titles are built from a small vocabulary so that a search term matches a realistic share of
-- a list ("invoice": about 4% of titles, some descriptions). Tasks are spread over time
-- (a long list covers three years), older tasks are mostly done, about a third have a due
-- date, priorities lean towards "none"; tags, priority and due dates are seeded only when
-- the schema has them (migration 20261127000003_organise_tasks), so this file also runs
-- against the schema before it. Deterministic: the same seed gives the same data.
\set ON_ERROR_STOP on
\if :{?small_users}
\else
  \set small_users 2000
\endif

select exists (select 1 from information_schema.columns
               where table_schema = current_schema() and table_name = 'tasks'
                 and column_name = 'priority') as organised,
       exists (select 1 from information_schema.tables
               where table_schema = current_schema() and table_name = 'task_counts') as has_counts,
       exists (select 1 from information_schema.tables
               where table_schema = current_schema() and table_name = 'task_tags') as has_tags
\gset

select setseed(0.4242) \g /dev/null

-- Many small users, with the template's (real) password hash.
insert into users (id, email, password_hash, name)
select gen_random_uuid(), format('bench-small-%s@example.com', g),
       (select password_hash from users where email = 'bench-template@example.com'),
       format('Small user %s', g)
from generate_series(1, :small_users) g;

\if :has_counts
-- Every person has a counts row (the migration gives one to everyone who exists when it
-- runs); the insert trigger adds the seeded tasks to it.
insert into task_counts (user_id, active, completed)
select id, 0, 0 from users on conflict (user_id) do nothing;
\endif

-- Who gets how many tasks, and over how many days they were created.
create temporary table seed_plan as
select u.id as user_id, p.n
from users u
join (values ('bench-100@example.com', 100),
             ('bench-10k@example.com', 10000),
             ('bench-100k@example.com', 100000),
             ('bench-rw@example.com', 10000)) as p(email, n) on p.email = u.email
union all
-- 0..300 tasks, skewed towards few: exp(uniform(0, ln 301)) - 1 has a median of about 16.
select u.id, floor(exp(random() * ln(301)) - 1)::int
from users u where u.email like 'bench-small-%';

create temporary table seed_words as
select array['Call', 'Email', 'Buy', 'Fix', 'Review', 'Write', 'Plan', 'Book', 'Pay',
             'Clean', 'Read', 'Update', 'Prepare', 'Send', 'Check', 'Order', 'Schedule',
             'Cancel', 'Renew', 'Sort out'] as verbs,
       array['the invoice for Acme', 'groceries for the week', 'dentist appointment',
             'quarterly report', 'car insurance', 'the kitchen sink', 'project proposal',
             'birthday present for Mia', 'team meeting notes', 'tax return',
             'the garden fence', 'library books', 'flights to Lisbon', 'passport photos',
             'electricity bill', 'blog post draft', 'bike tyre', 'call with the parents',
             'laptop backup', 'conference talk slides', 'gym membership',
             'school trip form', 'plumber visit', 'holiday photos', 'new running shoes'] as objects,
       array['Remember to bring the receipts.', 'Ask Sam about the deadline first.',
             'The old one is in the drawer under the printer.',
             'Check the shared folder for the latest version; the invoice number is on page 2.',
             'Needs to happen before the end of the month.',
             'Compare at least three offers before deciding.',
             'Waiting on a reply from the office.',
             'Low effort, just needs doing.'] as sentences;

\if :organised
insert into tasks (user_id, title, description, completed, created_at, updated_at, priority, due_date)
\else
insert into tasks (user_id, title, description, completed, created_at, updated_at)
\endif
select user_id, title, description, completed, created_at, created_at
\if :organised
       , priority, due_date
\endif
from (
    select p.user_id,
           w.verbs[1 + floor(random() * array_length(w.verbs, 1))::int] || ' '
             || w.objects[1 + floor(random() * array_length(w.objects, 1))::int]
             || case when random() < 0.3 then ' (' || g || ')' else '' end as title,
           case when random() < 0.5 then null
                else w.sentences[1 + floor(random() * array_length(w.sentences, 1))::int] end
             as description,
           age_days,
           -- Older tasks are mostly done, recent ones mostly not.
           random() < case when age_days > 30 then 0.9 else 0.3 end as completed,
           now() - make_interval(secs => age_days * 86400) as created_at,
           case when r < 0.55 then 0 when r < 0.80 then 1 when r < 0.93 then 2 else 3 end::smallint
             as priority,
           case when random() < 0.35
                then (now() - make_interval(secs => age_days * 86400))::date
                     + (floor(random() * 70) - 10)::int end as due_date,
           g
    from seed_plan p
    cross join seed_words w
    cross join lateral generate_series(1, p.n) g
    -- The list spans up to three years (100,000 tasks), a few hundred days (10,000), a
    -- month (100); task g of n is (n - g) / n of the way back, with some jitter.
    cross join lateral (select ((p.n - g) + random()) / p.n
                               * least(1095, greatest(30, p.n / 10))::float8 as age_days,
                               random() as r) a
    order by p.user_id, g
) t;

\if :has_tags
-- Each person with tasks has a handful of tags; a task carries each with its own
-- probability (0 to 3 tags, usually 0 or 1).
insert into tags (user_id, name)
select p.user_id, t.name
from seed_plan p
cross join (values ('work'), ('home'), ('errands'), ('health'), ('finance'),
                   ('reading'), ('garden'), ('urgent')) as t(name)
where p.n >= 20;

-- One random number per (task, tag) pair: in a plain join the planner would evaluate a
-- random() that mentions only the tag once per tag, giving a tag to all or none of the tasks.
with pairs as materialized (
    select t.id as task_id, g.id as tag_id, g.name, random() as r
    from tasks t join tags g on g.user_id = t.user_id
)
insert into task_tags (task_id, tag_id)
select task_id, tag_id from pairs
where r < case name when 'work' then 0.30 when 'home' then 0.25
                    when 'errands' then 0.10 when 'health' then 0.05
                    when 'finance' then 0.08 when 'reading' then 0.04
                    when 'garden' then 0.03 else 0.05 end;
\endif

vacuum (analyze) users;
vacuum (analyze) tasks;
\if :has_tags
vacuum (analyze) tags;
vacuum (analyze) task_tags;
\endif
\if :has_counts
vacuum (analyze) task_counts;
\endif

select u.email, count(t.id) as tasks, count(t.id) filter (where t.completed) as completed
from users u left join tasks t on t.user_id = u.id
where u.email in ('bench-100@example.com', 'bench-10k@example.com',
                  'bench-100k@example.com', 'bench-rw@example.com')
group by u.email order by tasks;
select count(*) as users, (select count(*) from tasks) as tasks from users;
