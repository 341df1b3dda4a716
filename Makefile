# The two commands of the README. Each installs what is missing first.
.PHONY: run test watch cluster bench bench-personal db-start db-stop db-psql

run:        ## build the release app and serve it on http://127.0.0.1:3000
	scripts/run.sh

test:       ## every check and test (fmt, sqlx, clippy, unit, integration, Playwright)
	scripts/test.sh

cluster:    ## two release instances on one database behind HAProxy on http://127.0.0.1:3000
	scripts/cluster.sh 2

bench:      ## build, seed and benchmark the release app; rewrites bench/RESULTS.md (~15 min)
	bench/run.sh

bench-personal: ## the same on a personal install's data: one person owns most tasks
	BENCH_SMALL_USERS=200 BENCH_OUT=bench/RESULTS-personal.md bench/run.sh

watch:      ## development: rebuild and reload on every change
	scripts/install-tools.sh && scripts/db.sh start && SHUTDOWN_DRAIN_SECS=$${SHUTDOWN_DRAIN_SECS:-0} cargo leptos watch --split

db-start:
	scripts/db.sh start

db-stop:
	scripts/db.sh stop

db-psql:
	scripts/db.sh psql
