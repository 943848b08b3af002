"""Benchmark the workbench's and the reader site's pages under a fixed arrival rate.

Run from the repository root (PostgreSQL on 127.0.0.1:5432 with trust auth for ``postgres``,
Redis on 127.0.0.1:6379)::

    .venv/bin/python benchmarks/pages.py                  # about 5 minutes with seeding
    .venv/bin/python benchmarks/pages.py --reuse-db --keep-db   # seed once, rerun quickly

What it does:

* makes its own database ``factcheck_bench`` (dropped and recreated unless ``--reuse-db``
  finds it already seeded with the same sizes; dropped at the end unless ``--keep-db``; no
  other database is touched), migrates it, and seeds ``--claims`` claims (100,000) over
  ``--articles`` articles (2,000) with PostgreSQL ``COPY``: article texts built from the
  ClaimBuster sentences (``../shared/data``) so that every claim, sentence and cited link is
  an exact slice of its article (checked in SQL afterwards), scored by the project's
  check-worthiness model; 20 desk members (16 reviewers, 4 editors); about a quarter of the
  claims published with a verdict (a few corrected), some awaiting approval, some in review
  with a draft, some dismissed, the rest new; 0-4 evidence per claim on 40,000 watched links
  of 500 sources (most alive, some failing, dead, blocked or moved); notes and the audit
  events the services would have written; the reader site's topics and publishers when the
  models have them; then ``VACUUM ANALYZE``;
* serves the project with gunicorn on 127.0.0.1 (sync workers, ``--workers``, default
  2 x CPUs + 1; docker-compose.yml runs 3) under ``pagebench.settings``
  (``benchmarks/pagebench/settings.py``):
  production settings with plain-HTTP cookies, PostgreSQL, and Redis db 9 (broker) and 10
  (cache, flushed at the start);
* logs in as a reviewer through the real login form (and makes an API token for the same
  reviewer, sent as ``Authorization: Bearer`` by the API's scenarios, with the API's
  throttles raised for the run), then drives each scenario with an
  open-loop generator (one process, asyncio, raw HTTP/1.1): request *i* is sent at
  ``t0 + i / rate`` whether or not earlier ones have answered, and its latency is measured
  from that scheduled time, so a slow server cannot slow the generator down and hide its own
  queueing. Each scenario has a warm-up (not counted) and a measured run; every request
  has a 10 s deadline;
* prints per scenario the count, achieved rate, p50/p95/p99, errors (anything but a 200),
  the generator's CPU, the CPU that gunicorn's workers and the benchmark database's
  PostgreSQL backends spent per request (parallel query workers are not counted), how busy
  the machine was and its load average, and for reader pages the cache hits and misses
  (``X-Reader-Cache``); plus the machine, Python, PostgreSQL and gunicorn versions and the
  exact command. Popularity is Zipf-like (about 1/rank): a few pages get most requests.

Scenarios and targets (p95 at the given arrival rate):

=========================  =====  ========  ==============================================
scenario                   rate   p95 ≤     requests
=========================  =====  ========  ==============================================
queue, unfiltered          30/s   150 ms    /review/claims/ (pages 1-20, some sorted)
queue, filtered            30/s   150 ms    status + assignee + check-worthiness range
queue, text search          5/s   300 ms    ?q= one or two words of the claims' vocabulary
claim page (workbench)     20/s    50 ms    /review/claims/<id>/ of random claims
public claim page, cold   200/s    25 ms    the same, reader cache emptied first (baseline)
public claim page         200/s    25 ms    /claims/<number>-<words>/, anonymous, after
                                            ``manage.py warm_reader_cache`` (2 processes)
public home with filters   30/s   100 ms    /?rating=&topic=&publisher=&q=&page=, anonymous
API fact-checks, public    30/s   100 ms    /api/v1/fact-checks/ (some ?page_size=), no token
API claims, filtered       30/s   150 ms    /api/v1/claims/?status=&assignee=&score_min=&...,
                                            the bench reviewer's API token (made at start)
=========================  =====  ========  ==============================================

A public page that does not exist yet is reported as "not measured" (the exit status does
not count it). Exit status: 0 when every measured target is met, 1 when one is missed, 2 when
the benchmark could not run (no PostgreSQL, no data file, the server did not start).
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import shutil
import sys
import tempfile
from pathlib import Path

# The parts of the benchmark live in benchmarks/pagebench/ (this script's directory is on the
# path): the data set (seed), the requests (scenarios), the load generator (load), gunicorn
# and CPU accounting (server), what is printed (report), and, in layout, every name that
# depends on where the project keeps its apps.
from pagebench.config import (
    CLAIMBUSTER,
    LOGIN_USER,
    PG_HOST,
    PG_PORT,
    REDIS_CACHE_URL,
    REDIS_URL,
    ROOT,
)
from pagebench.load import login
from pagebench.report import print_header, print_table, run_scenario
from pagebench.scenarios import probe_public, scenario_data, scenarios
from pagebench.seed import already_seeded, build_database, database_drop, database_exists
from pagebench.server import (
    bench_environment,
    free_port,
    start_gunicorn,
    stop_gunicorn,
    warm_reader_cache,
)

sys.path.insert(0, str(ROOT))  # the project, imported once Django is set up


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--articles", type=int, default=2_000)
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database")
    parser.add_argument(
        "--reuse-db", action="store_true", help="reuse the database if it holds the same sizes"
    )
    parser.add_argument(
        "--workers", type=int, default=2 * (os.cpu_count() or 1) + 1, help="gunicorn workers"
    )
    parser.add_argument("--duration", type=float, default=25.0, help="seconds per scenario")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds of warm-up")
    parser.add_argument(
        "--only", default="", help="comma-separated scenario keys (queue,filtered,search,..)"
    )
    parser.add_argument("--seed", type=int, default=20261125)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    command = " ".join([".venv/bin/python", "benchmarks/pages.py", *(argv or sys.argv[1:])])
    if not CLAIMBUSTER.exists():
        print(f"missing data file: {CLAIMBUSTER}")
        return 2
    try:
        reused = args.reuse_db and database_exists() and already_seeded(args)
    except Exception as exc:  # no server
        print(f"PostgreSQL on {PG_HOST}:{PG_PORT} is not reachable: {exc}")
        return 2

    work = Path(tempfile.mkdtemp(prefix="factcheck-bench-"))
    env = bench_environment(work / "var")
    # The API's throttles would refuse a benchmark's rate from one address and one token.
    unthrottled = "1000000/minute"
    env.update({"FACTCHECK_API_TOKEN_RATE": unthrottled, "FACTCHECK_API_ANON_RATE": unthrottled})
    os.environ.update(env)
    import django

    django.setup()
    import redis
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    for url in (REDIS_URL, REDIS_CACHE_URL):  # the benchmark's own Redis databases
        redis.Redis.from_url(url).flushdb()

    times = build_database(args, reused)
    call_command("collectstatic", verbosity=0, interactive=False)
    password = secrets.token_urlsafe(24)
    user = get_user_model().objects.get(username=LOGIN_USER)
    user.set_password(password)
    user.save(update_fields=["password"])
    from api import services as api_services

    bearer = "Bearer " + api_services.token_create(user=user, name="pages benchmark").secret
    data = scenario_data()
    connection.close()
    print_header(command, args, reused, times)

    port = free_port()
    log = work / "gunicorn.log"
    try:
        server = start_gunicorn(env, port, args.workers, log)
    except RuntimeError as exc:
        print(f"could not start the server: {exc}")
        print(log.read_text() if log.exists() else "")
        return 2
    missed = []
    rows = []
    try:
        cookie = login(port, password)
        rng = random.Random(args.seed)
        wanted = {k for k in args.only.split(",") if k}
        for scenario in scenarios(data, rng):
            if wanted and scenario.key not in wanted:
                continue
            if scenario.anonymous:
                scenario.not_measured = probe_public(scenario, port)
            if scenario.not_measured:
                print(f"{scenario.name}: not measured: {scenario.not_measured}")
                rows.append((scenario, None, {}))
                continue
            if scenario.cache == "cold":
                redis.Redis.from_url(REDIS_CACHE_URL).flushdb()
                print("reader cache emptied")
            elif scenario.cache == "warm":
                warm_reader_cache(env)
            credential = None if scenario.anonymous else bearer if scenario.token else cookie
            row = run_scenario(scenario, port, credential, server.pid, args)
            rows.append((scenario, *row))
            if not row[1]["ok"] and not scenario.baseline:
                missed.append(scenario.name)
    finally:
        stop_gunicorn(server)
        if not args.keep_db:
            database_drop()
        shutil.rmtree(work, ignore_errors=True)

    print_table(rows)
    print()
    if missed:
        print("Targets missed: " + ", ".join(missed))
        return 1
    print("Every measured target is met.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
