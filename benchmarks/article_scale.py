"""Benchmark the pages that must stay fast when one article has thousands of claims.

Run from the repository root::

    .venv/bin/python benchmarks/article_scale.py                 # both modes, 5,000 and 40,000
    .venv/bin/python benchmarks/article_scale.py --modes sqlite --sizes 5000

For each mode (``sqlite``: the embedded default, a fresh SQLite file in a scratch directory
with the project's WAL settings; ``postgres``: a database ``factcheck_article_bench`` on
127.0.0.1:5432, user ``postgres``, dropped and recreated, dropped at the end) and each size,
it migrates, seeds one article of ``size`` claims (one sentence each, five a paragraph, plus
a scored sentence that is no claim after every tenth, all exact slices of the text) beside 60
small articles, logs in a reviewer and requests, in process through Django's test client
(the whole middleware, view and template stack; no network, no gunicorn):

==============================  =========  ==================================================
row                             target     request
==============================  =========  ==================================================
article page, first page        300 ms     /review/articles/<id>/
article page, a middle page     300 ms     /review/articles/<id>/?page=<half>
merge search (words)            300 ms     /review/claims/<id>/merge-targets/?keep=<words>
review home                     200 ms     /review/
==============================  =========  ==================================================

Each request is made ``--repeat`` times (10) after one warm-up; the median and the slowest
are printed, with the queries and the size of the page. A target applies to the median. Exit
status: 0 when every target is met, 1 when one is missed, 2 when a mode could not run.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_DB = "factcheck_article_bench"
PG_URL = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"
TARGETS_MS = {"article page, first page": 300, "article page, a middle page": 300,
              "merge search (words)": 300, "review home": 200}  # fmt: skip
OTHER_ARTICLES = 60


def _sentence(n: int) -> str:
    return f"Sentence {n} says the city spent {n * 7 % 1000} million dollars on project {n}."


def seed(size: int):
    """One article of ``size`` claims (and sentences) plus small ones; the reviewer."""
    from django.contrib.auth import get_user_model

    from claims.models import Article, ArticleSentence, Claim
    from claims.services import content_hash
    from factcheck.lib.roles import REVIEWER, role_assign, roles_sync

    roles_sync()
    user = get_user_model().objects.create_user("bench-reviewer")
    role_assign(user, REVIEWER)
    spans, parts, offset, n = [], [], 0, 0
    claimed = 0
    while claimed < size:
        sentence = _sentence(n)
        is_claim = n % 11 != 10  # every eleventh sentence scored below the threshold
        spans.append((offset, offset + len(sentence), sentence, is_claim))
        claimed += is_claim
        part = sentence + ("\n\n" if (n + 1) % 5 == 0 else " ")
        parts.append(part)
        offset += len(part)
        n += 1
    text = "".join(parts).rstrip()
    article = Article.objects.create(
        title=f"An article with {size} claims",
        slug=f"article-with-{size}-claims",
        text=text,
        content_hash=content_hash(text),
    )
    claims = Claim.objects.bulk_create(
        (
            Claim(article=article, start=s, end=e, text=t, checkworthiness=0.8)
            for s, e, t, is_claim in spans
            if is_claim
        ),
        batch_size=2000,
    )
    claim_of = iter(claims)
    ArticleSentence.objects.bulk_create(
        (
            ArticleSentence(
                article=article, start=s, end=e, text=t, score=0.8 if is_claim else 0.1,
                claim=next(claim_of) if is_claim else None,
            )
            for s, e, t, is_claim in spans
        ),
        batch_size=2000,
    )  # fmt: skip
    for i in range(OTHER_ARTICLES):
        small = f"Small article {i} says taxes rose {i} percent. Officials disagreed."
        other = Article.objects.create(
            title=f"Small article {i}", slug=f"small-{i}", text=small,
            content_hash=content_hash(small),
        )  # fmt: skip
        Claim.objects.create(article=other, start=0, end=small.index(".") + 1,
                             text=small[: small.index(".") + 1])  # fmt: skip
    return user, article, claims


def measure(client, url: str, repeat: int) -> dict:
    from django.db import connection

    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = client.get(url)  # warm-up (and the query count)
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    return {
        "median": statistics.median(times),
        "max": max(times),
        "queries": len(queries),
        "bytes": len(response.content),
    }


def child(mode: str, size: int, repeat: int) -> int:
    """Runs in a process of its own (settings are per process): seed, measure, print rows."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    user, article, claims = seed(size)
    seeded = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    client = Client()
    client.force_login(user)
    pages = (size + 99) // 100
    article_url = reverse("claims:article_detail", kwargs={"pk": article.pk})
    rows = {
        "article page, first page": article_url,
        "article page, a middle page": f"{article_url}?page={max(1, pages // 2)}",
        "merge search (words)": reverse("claims:merge_targets", kwargs={"pk": claims[0].pk})
        + f"?keep=project+{size // 2}",
        "review home": reverse("claims:home"),
    }
    print(f"  seeded {size} claims in {seeded:.1f} s (migrations included)", flush=True)
    missed = 0
    for name, url in rows.items():
        result = measure(client, url, repeat)
        target = TARGETS_MS[name]
        ok = result["median"] <= target
        missed += not ok
        print(
            f"  {mode:8} {size:>6} claims  {name:28} median {result['median']:7.1f} ms  "
            f"max {result['max']:7.1f} ms  {result['queries']:3} queries  "
            f"{result['bytes'] / 1024:8.1f} KB  target {target} ms: "
            f"{'met' if ok else 'MISSED'}",
            flush=True,
        )
    if size in SIZES_WITH_IMPORT:
        measure_import(mode, user)
    return 1 if missed else 0


SIZES_WITH_IMPORT = (5000,)
IMPORT_ROWS = 20000


def measure_import(mode: str, user) -> None:
    """A 20,000-row sources CSV confirmed: the job's run, and its longest transaction (no
    target: the page waits for nothing, and no batch holds the database for long)."""
    from factcheck.lib.roles import ADMIN, role_assign
    from sources import services
    from sources.services import importing

    role_assign(user, ADMIN)
    user = type(user).objects.get(pk=user.pk)  # permissions read again
    rows = "".join(
        f"Outlet {i},news,o{i}.example,{'high' if i % 3 else 'unrated'},"
        f"{'Checked.' if i % 3 else ''}\n"
        for i in range(IMPORT_ROWS)
    )
    data = ("name,kind,domains,rating,rating_rationale\n" + rows).encode()
    batches = []
    real_apply = importing._apply

    def timed_apply(batch, **kwargs):
        started = time.perf_counter()
        real_apply(batch, **kwargs)
        batches.append((time.perf_counter() - started) * 1000)

    importing._apply = timed_apply
    job = services.source_import_job_start(user=user, data=data, filename="big.csv")
    started = time.perf_counter()
    job = services.source_import_job_run(job_id=job.pk)
    total = time.perf_counter() - started
    importing._apply = real_apply
    print(
        f"  {mode:8} sources import job, {IMPORT_ROWS} rows ({len(data) / 1024:.0f} KB): "
        f"{job.state}, {job.created_count} created in {total:.1f} s, "
        f"{len(batches)} batches, longest transaction {max(batches):.0f} ms",
        flush=True,
    )


def run_mode(mode: str, size: int, repeat: int) -> int:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    scratch = Path(tempfile.mkdtemp(prefix="article-scale-"))
    try:
        env.pop("REDIS_URL", None)
        env["DJANGO_SETTINGS_MODULE"] = "factcheck.settings.test"
        if mode == "sqlite":
            env.pop("DATABASE_URL", None)
            env["FACTCHECK_VAR_DIR"] = str(scratch)  # a fresh embedded database
        else:
            for sql in (f"DROP DATABASE IF EXISTS {PG_DB}", f"CREATE DATABASE {PG_DB}"):
                subprocess.run(
                    ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql],
                    check=True,
                    capture_output=True,
                )
            env["DATABASE_URL"] = PG_URL
        command = [sys.executable, __file__, "--child", mode, str(size), str(repeat)]
        return subprocess.run(command, env=env, cwd=ROOT, check=False).returncode
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"  {mode}: could not run ({exc})")
        return 2
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        if mode == "postgres":
            subprocess.run(
                ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc",
                 f"DROP DATABASE IF EXISTS {PG_DB}"],
                check=False, capture_output=True,
            )  # fmt: skip


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        sys.path.insert(0, str(ROOT))
        try:
            return child(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
        except Exception:
            import traceback

            traceback.print_exc()
            return 2
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--modes", nargs="+", default=["sqlite", "postgres"],
                        choices=["sqlite", "postgres"])  # fmt: skip
    parser.add_argument("--sizes", nargs="+", type=int, default=[5000, 40000])
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    print(f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} CPUs, "
          f"{platform.platform()}, Python {platform.python_version()}")  # fmt: skip
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(f"date: {time.strftime('%Y-%m-%d %H:%M:%S %Z')}", flush=True)
    status = 0
    for mode in args.modes:
        for size in args.sizes:
            status = max(status, run_mode(mode, size, args.repeat))
    print("all targets met" if status == 0 else "a target was missed" if status == 1
          else "a mode could not run")  # fmt: skip
    return status


if __name__ == "__main__":
    sys.exit(main())
