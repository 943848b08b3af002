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
* logs in as a reviewer through the real login form, then drives each scenario with an
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
=========================  =====  ========  ==============================================

A public page that does not exist yet is reported as "not measured" (the exit status does
not count it). Exit status: 0 when every measured target is met, 1 when one is missed, 2 when
the benchmark could not run (no PostgreSQL, no data file, the server did not start).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import http.cookiejar
import json
import math
import os
import platform
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CLAIMBUSTER = ROOT.parent / "shared" / "data" / "claimbuster" / "train.json"
DB_NAME = "factcheck_bench"
PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
DATABASE_URL = f"postgres://{PG_USER}@{PG_HOST}:{PG_PORT}/{DB_NAME}"
REDIS_URL = "redis://127.0.0.1:6379/9"  # broker; the cache is on db 10
REDIS_CACHE_URL = "redis://127.0.0.1:6379/10"
SETTINGS = "pagebench.settings"  # benchmarks/pagebench/settings.py
LOGIN_USER = "bench-reviewer-01"

SENTENCES_PER_ARTICLE_EXTRA = 30  # sentences of an article that are not claims
N_REVIEWERS, N_EDITORS = 16, 4
N_SOURCES, N_LINKS = 500, 40_000
REQUEST_TIMEOUT = 10.0
# What the data line counts.
SIZES = {
    "claims": "SELECT count(*) FROM claims_claim",
    "published": "SELECT count(*) FROM claims_claim WHERE status = 'published'",
    "articles": "SELECT count(*) FROM claims_article",
    "sentences": "SELECT count(*) FROM claims_articlesentence",
    "cited links": "SELECT count(*) FROM claims_citedlink",
    "evidence": "SELECT count(*) FROM claims_evidence",
    "links": "SELECT count(*) FROM sources_link",
    "sources": "SELECT count(*) FROM sources_source",
    "verdicts": "SELECT count(*) FROM claims_verdict",
    "notes": "SELECT count(*) FROM claims_note",
    "audit events": "SELECT count(*) FROM claims_auditevent",
}


# ============================================================================================
# Command line, environment, database
# ============================================================================================


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


def bench_environment(var_dir: Path) -> dict[str, str]:
    """The environment of gunicorn and of this process's Django."""
    return {
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "REDIS_CACHE_URL": REDIS_CACHE_URL,
        "FACTCHECK_VAR_DIR": str(var_dir),
        # The generator's Host header: prerendered pages are keyed by the site's address.
        "FACTCHECK_SITE_URL": "http://127.0.0.1",
        # pagebench (the settings) lives in benchmarks/; the project itself in ROOT.
        "PYTHONPATH": os.pathsep.join([str(ROOT / "benchmarks"), str(ROOT)]),
    }


def pg_admin():
    """A connection to the server's maintenance database, to create or drop ours."""
    import psycopg

    return psycopg.connect(
        host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", autocommit=True
    )


def database_exists() -> bool:
    with pg_admin() as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone()


def database_drop() -> None:
    with pg_admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


def database_create() -> None:
    with pg_admin() as conn:
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def bench_db(autocommit: bool = False):
    import psycopg

    return psycopg.connect(
        host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=DB_NAME, autocommit=autocommit
    )


def already_seeded(args) -> bool:
    import psycopg

    try:
        with bench_db(autocommit=True) as conn:
            claims = conn.execute("SELECT count(*) FROM claims_claim").fetchone()[0]
            articles = conn.execute("SELECT count(*) FROM claims_article").fetchone()[0]
    except psycopg.Error:
        return False
    return claims == args.claims and articles == args.articles


# ============================================================================================
# Seeding
# ============================================================================================

FIRST_NAMES = [
    "Ana",
    "Ben",
    "Chidi",
    "Dana",
    "Emre",
    "Fatima",
    "Goran",
    "Hana",
    "Ines",
    "Jon",
    "Kofi",
    "Lena",
    "Mateo",
    "Noor",
    "Olga",
    "Pavel",
    "Quinn",
    "Rosa",
    "Sami",
    "Tara",
]
PUBLISHER_WORDS = [
    "Daily",
    "Herald",
    "Tribune",
    "Gazette",
    "Observer",
    "Ledger",
    "Courier",
    "Sentinel",
    "Chronicle",
    "Post",
    "Times",
    "Monitor",
    "Review",
    "Journal",
    "Bulletin",
    "Record",
    "Statistics",
    "Institute",
    "Agency",
    "Council",
    "Foundation",
    "Bureau",
    "Office",
    "Survey",
    "Press",
    "Wire",
    "Report",
]
PLACES = [
    "north",
    "south",
    "east",
    "west",
    "river",
    "harbor",
    "valley",
    "capital",
    "metro",
    "county",
    "state",
    "national",
    "global",
    "civic",
    "open",
    "public",
    "central",
]
TLDS = ["com", "org", "net", "gov", "edu", "co.uk", "info", "news"]
SECTIONS = ["news", "politics", "economy", "data", "reports", "health", "world", "science"]
NOTE_BODIES = [
    "Checked the primary source: the figure is from the {year} annual report.",
    "The quote appears in the transcript, but the context changes its meaning.",
    "Asked the press office for the underlying data; no answer yet.",
    "**Two sources** disagree here; see the evidence list for both.",
    "The number is correct for {year} but the claim implies it is current.",
    "Compared with the archived version of the page: the table was revised.",
    "This overlaps with an earlier check of ours; reuse the rationale where it fits.",
    "Markdown test: the [official statistics](https://stats.example.gov/{year}) agree.",
]
TOPICS = ["Elections", "Economy", "Health", "Immigration", "Energy", "Education", "Crime",
          "Foreign policy", "Taxes", "Jobs", "Environment", "Defence"]  # fmt: skip
DISMISS_REASONS = [
    "Opinion, not a checkable statement of fact.",
    "Not significant enough to check.",
    "Duplicate of a claim already checked.",
    "Prediction about the future; nothing to check yet.",
]


def load_sentences() -> list[str]:
    rows = json.loads(CLAIMBUSTER.read_text(encoding="utf-8"))
    seen: set[str] = set()
    sentences = []
    for row in rows:
        text = " ".join(row["text"].split())
        if 40 <= len(text) <= 300 and text[-1] in ".?!" and text not in seen:
            seen.add(text)
            sentences.append(text)
    return sentences


def headline(rng: random.Random, sentence: str) -> str:
    words = [w.strip(".,;:!?\"'()") for w in sentence.split()[: rng.randint(5, 9)]]
    return " ".join(w[:1].upper() + w[1:] for w in words if w)


class Copier:
    """Writes model rows with PostgreSQL ``COPY``; any field a row leaves out gets the
    field's default, so a column added to a model later does not break the seeding."""

    def __init__(self, connection):
        self.connection = connection
        self.counts: dict[str, int] = {}

    def copy(self, model, rows: Iterable[dict]) -> int:
        from django.db import models as dj_models
        from psycopg.types.json import Jsonb

        fields = [f for f in model._meta.concrete_fields if not f.generated]
        defaults = {f.attname: f.get_default() for f in fields}
        json_fields = {f.attname for f in fields if isinstance(f, dj_models.JSONField)}
        names = [f.attname for f in fields]
        columns = ", ".join(f'"{f.column}"' for f in fields)
        sql = f'COPY "{model._meta.db_table}" ({columns}) FROM STDIN'
        n = 0
        with self.connection.cursor() as wrapper, wrapper.cursor.copy(sql) as copy:
            for row in rows:
                values = [row[name] if name in row else defaults[name] for name in names]
                for i, name in enumerate(names):
                    if name in json_fields and values[i] is not None:
                        values[i] = Jsonb(values[i])
                copy.write_row(values)
                n += 1
        self.counts[model._meta.verbose_name_plural] = n
        return n


@dataclass
class Seeded:
    """What the scenarios need to know about the data."""

    login_user_id: int
    reviewer_ids: list[int]
    claim_ids: list[int]
    published_claim_ids: list[int]
    vocabulary: list[str]
    # The reader site's addresses of published claims, and its home page filters.
    public_claim_paths: list[str] = field(default_factory=list)
    home_filters: dict[str, list[str]] = field(default_factory=dict)


# Claim statuses of a busy desk, and how often each occurs.
STATUS_MIX = [("new", 42), ("in_review", 20), ("awaiting_approval", 5), ("published", 25),
              ("dismissed", 8)]  # fmt: skip
LINK_STATE_MIX = [("alive", 78), ("unchecked", 6), ("redirected", 3), ("failing", 5),
                  ("dead", 3), ("blocked", 5)]  # fmt: skip
LINK_STATUS = {"alive": 200, "redirected": 200, "failing": 503, "dead": 404, "blocked": 403}
LINK_OUTCOME = {"alive": "ok", "redirected": "ok", "failing": "server_error",
                "dead": "not_found", "blocked": "blocked"}  # fmt: skip
# Published ratings lean false, as fact-checks do.
RATING_MIX = {"true": 8, "mostly-true": 10, "mixed": 16, "mostly-false": 20, "false": 30,
              "unsupported": 10, "satire-opinion": 6}  # fmt: skip


class Seeder:
    """Generates the data set in memory (ids assigned here), then writes it with COPY."""

    def __init__(self, args):
        from claims.nlp.checkworthiness import DEFAULT_THRESHOLD

        self.args = args
        self.rng = random.Random(args.seed)
        self.now = datetime.now(UTC).replace(microsecond=0)
        self.threshold = DEFAULT_THRESHOLD
        self.rows: dict[str, list[dict]] = {}
        self.ids: dict[str, int] = {}

    def add(self, kind: str, row: dict) -> int:
        """Append a row of ``kind`` with the next id; returns the id."""
        self.ids[kind] = row["id"] = self.ids.get(kind, 0) + 1
        self.rows.setdefault(kind, []).append(row)
        return row["id"]

    # ----------------------------------------------------------------------------- people

    def people(self) -> None:
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group
        from django.contrib.contenttypes.models import ContentType

        from claims.models import Evidence, Note, RatingLevel, Verdict

        User = get_user_model()
        groups = {g.name: g for g in Group.objects.filter(name__in=["reviewer", "editor"])}
        members = [(f"bench-reviewer-{i + 1:02d}", "reviewer") for i in range(N_REVIEWERS)]
        members += [(f"bench-editor-{i + 1:02d}", "editor") for i in range(N_EDITORS)]
        users = []
        for i, (name, _) in enumerate(members):
            user = User(
                username=name,
                email=f"{name}@example.org",
                first_name=FIRST_NAMES[i % len(FIRST_NAMES)],
                date_joined=self.now - timedelta(days=400),
            )
            user.set_unusable_password()
            users.append(user)
        User.objects.bulk_create(users)
        by_name = {u.username: u.pk for u in User.objects.filter(username__startswith="bench-")}
        through = User.groups.through
        through.objects.bulk_create(
            [through(user_id=by_name[name], group_id=groups[role].pk) for name, role in members]
        )
        self.reviewers = [by_name[name] for name, _ in members]
        self.editors = [by_name[name] for name, role in members if role == "editor"]
        self.usernames = {pk: name for name, pk in by_name.items()}
        self.levels = list(RatingLevel.objects.filter(scale__is_active=True).order_by("position"))
        self.level_weights = [RATING_MIX.get(level.slug, 5) for level in self.levels]
        types = ContentType.objects.get_for_models(Evidence, Note, Verdict)
        self.ct = {model.__name__: ct.pk for model, ct in types.items()}

    # ----------------------------------------------------------------------- sources, links

    def sources_and_links(self) -> None:
        from sources.models import Source

        rng, now = self.rng, self.now
        kinds = [k for k, _ in Source.Kind.choices]
        self.hosts = []
        for n in range(1, N_SOURCES + 1):
            place, word = rng.choice(PLACES), rng.choice(PUBLISHER_WORDS)
            domain = f"{place}{word.lower()}{n}.{rng.choice(TLDS)}"
            at = now - timedelta(days=rng.uniform(30, 700))
            sid = self.add(
                "source",
                {
                    "name": f"{place.title()} {word} {n}",
                    "kind": rng.choice(kinds),
                    "home_url": f"https://www.{domain}/",
                    "created_at": at,
                    "updated_at": at,
                },
            )
            self.hosts.append((sid, f"www.{domain}"))
        states, weights = zip(*LINK_STATE_MIX, strict=True)
        self.links = {}
        for n in range(1, N_LINKS + 1):
            # A few big sources get most links (Zipf-like).
            sid, host = self.hosts[min(int(N_SOURCES * rng.random() ** 2.2), N_SOURCES - 1)]
            state = rng.choices(states, weights)[0]
            created = now - timedelta(days=rng.uniform(1, 365))
            checked = None if state == "unchecked" else now - timedelta(hours=rng.uniform(1, 160))
            row = {
                "url": f"https://{host}/{rng.choice(SECTIONS)}/{2020 + n % 6}/story-{n}",
                "host": host,
                "source_id": sid,
                "state": state,
                "created_at": created,
                "updated_at": checked or created,
                "last_checked_at": checked,
                "next_check_at": (checked or now) + timedelta(hours=rng.uniform(12, 170)),
                "last_status": LINK_STATUS.get(state),
                "last_outcome": LINK_OUTCOME.get(state, ""),
            }
            if state in ("failing", "dead"):
                dead = state == "dead"
                row["consecutive_failures"] = rng.randint(3, 6) if dead else rng.randint(1, 2)
                row["failure_points"] = 3 if dead else 1
                row["first_failure_at"] = checked - timedelta(days=rng.uniform(1, 20))
                if dead and rng.random() < 0.5:
                    row["archive_url"] = f"https://web.archive.example/2024/{row['url']}"
            if state == "redirected":
                row["final_url"] = row["url"] + "?moved=1"
                if rng.random() < 0.3:  # moved to another site: evidence at risk
                    other = self.hosts[rng.randrange(N_SOURCES)][1]
                    row["final_url"] = f"https://{other}/archive/story-{n}"
                    row["moved_to_host"] = other
            if state == "failing" and rng.random() < 0.05:
                row |= {
                    "override_state": "alive",
                    "override_reason": "Works in a browser; the site blocks our checker.",
                    "override_by_id": rng.choice(self.editors),
                    "override_at": now - timedelta(days=rng.uniform(0, 10)),
                }
            lid = self.add("link", row)
            self.links[lid] = (sid, row["url"])

    # --------------------------------------------------------------------------- articles

    def articles(self) -> None:
        from django.utils.text import slugify

        from claims.nlp import score_sentences

        rng, now, args = self.rng, self.now, self.args
        sentences = load_sentences()
        scores = dict(zip(sentences, score_sentences(sentences), strict=True))
        per_article, extra = divmod(args.claims, args.articles)
        # The reader site's filters: topics and publishers of articles (when the models
        # have them). A few dozen outlets publish most of the articles.
        reader_site = "publisher" in {f.name for f in self.article_model()._meta.get_fields()}
        topics = []
        if reader_site:
            for name in TOPICS:
                at = now - timedelta(days=400)
                topics.append(
                    self.add(
                        "topic",
                        {"name": name, "slug": slugify(name), "created_at": at, "updated_at": at},
                    )
                )
        for aid in range(1, args.articles + 1):
            n_claims = per_article + (1 if aid <= extra else 0)
            picked = rng.sample(sentences, n_claims + SENTENCES_PER_ARTICLE_EXTRA)
            title = headline(rng, picked[0])
            # One article a few hours apart over the last year, oldest first.
            created = now - timedelta(days=365 * (1 - aid / args.articles) + 2)
            created += timedelta(seconds=rng.uniform(0, 3600))
            # Paragraphs of 2-5 sentences with blank lines between them.
            parts, spans, pos, i = [], [], 0, 0
            while i < len(picked):
                chunk = picked[i : i + rng.randint(2, 5)]
                i += len(chunk)
                if parts:
                    parts.append("\n\n")
                    pos += 2
                for k, sentence in enumerate(chunk):
                    if k:
                        parts.append(" ")
                        pos += 1
                    parts.append(sentence)
                    spans.append((pos, pos + len(sentence), sentence))
                    pos += len(sentence)
            text = "".join(parts)
            slug = f"{slugify(title)[:100]}-{aid}"
            ingested_by = rng.choice(self.reviewers)
            host = self.hosts[rng.randrange(N_SOURCES)][1]
            self.add(
                "article",
                {
                    "title": title,
                    "slug": slug,
                    "url": f"https://{host}/{rng.choice(SECTIONS)}/{slug}",
                    "author": f"{rng.choice(FIRST_NAMES)} {rng.choice(PUBLISHER_WORDS)}",
                    "published_at": created - timedelta(hours=rng.uniform(1, 48)),
                    "text": text,
                    "source_format": "text",
                    "content_hash": hashlib.sha256(text.encode("utf-8")).hexdigest(),
                    "ingested_by_id": ingested_by,
                    "created_at": created,
                    "updated_at": created,
                },
            )
            if reader_site:
                self.rows["article"][-1]["publisher_id"] = self.hosts[zipf_index(rng, 60)][0]
                for topic in rng.sample(topics, rng.choice([1, 1, 2, 2, 3])):
                    self.add("article_topic", {"article_id": aid, "topic_id": topic})
            self.event(created, "claims.article.ingested", None, aid, actor=ingested_by)
            # The most check-worthy sentences are the claims.
            ranked = sorted(range(len(spans)), key=lambda k: -scores[spans[k][2]])
            claim_of = {}
            for k in sorted(ranked[:n_claims]):
                start, end, sentence = spans[k]
                claim_of[k] = self.claim(aid, created, text, start, end, scores[sentence])
            for k, (start, end, sentence) in enumerate(spans):
                self.add(
                    "sentence",
                    {
                        "article_id": aid,
                        "start": start,
                        "end": end,
                        "text": sentence,
                        "score": round(scores[sentence], 4),
                        "claim_id": claim_of.get(k),
                    },
                )
            # A few links cited inside claims: two to four words of the sentence.
            for k in rng.sample(sorted(claim_of), min(6, len(claim_of))):
                start, _, sentence = spans[k]
                words = list(re.finditer(r"\S+", sentence))
                a = rng.randrange(max(1, len(words) - 3))
                b = min(len(words) - 1, a + rng.randint(1, 3))
                s, e = start + words[a].start(), start + words[b].end()
                lid = rng.randrange(1, N_LINKS + 1)
                self.add(
                    "cited",
                    {
                        "article_id": aid,
                        "link_id": lid,
                        "href": self.links[lid][1],
                        "anchor_text": text[s:e],
                        "start": s,
                        "end": e,
                        "claim_id": claim_of[k],
                    },
                )

    @staticmethod
    def article_model():
        from claims.models import Article

        return Article

    def event(self, at, action, claim_id, article_id, *, actor=None, target=None, changes=None):
        self.add(
            "event",
            {
                "actor_id": actor,
                "action": action,
                "claim_id": claim_id,
                "article_id": article_id,
                "target_type_id": self.ct[target[0]] if target else None,
                "target_id": target[1] if target else None,
                "changes": changes or {},
                "created_at": at,
            },
        )

    # ----------------------------------------------------------------------------- claims

    def claim(self, aid: int, article_created, text: str, start: int, end: int, score: float):
        """One claim with its evidence, verdicts, notes and audit events."""
        from claims.nlp.matching import context_around

        rng, now = self.rng, self.now
        cid = self.ids.get("claim", 0) + 1
        sentence = text[start:end]
        created = article_created + timedelta(seconds=rng.uniform(1, 60))
        statuses, weights = zip(*STATUS_MIX, strict=True)
        status = rng.choices(statuses, weights)[0]
        # Work on a claim happens within 60 days of its creation (or until now).
        last = created + timedelta(seconds=rng.uniform(0, min((now - created).total_seconds(),
                                                               60 * 86400)))  # fmt: skip
        clock = [created]

        def tick():
            gap = max(timedelta(0), last - clock[0])
            clock[0] = min(clock[0] + gap * rng.uniform(0.05, 0.4) + timedelta(seconds=1), now)
            return clock[0]

        def event(action, *, actor=None, target=None, changes=None, at=None):
            self.event(at or tick(), action, cid, aid, actor=actor, target=target, changes=changes)

        origin = "auto" if score >= self.threshold else "promoted"
        event("claims.claim.created", changes={"origin": origin}, at=created)
        assignee = None
        if status != "new" or rng.random() < 0.2:
            assignee = rng.choice(self.reviewers)
            event("claims.claim.assigned", actor=assignee,
                  changes={"assignee": [None, self.usernames[assignee]]})  # fmt: skip
        actor = assignee or rng.choice(self.reviewers)
        version = 1 + (assignee is not None)
        if status not in ("new", "dismissed") or (status == "dismissed" and rng.random() < 0.5):
            event("claims.claim.review_started", actor=actor,
                  changes={"status": ["new", "in_review"]})  # fmt: skip
            version += 1
        # Evidence: rarely on new claims, 0-3 in review, 1-4 once a verdict is written.
        if status == "new":
            n_evidence = 1 if rng.random() < 0.15 else 0
        elif status in ("in_review", "dismissed"):
            n_evidence = rng.choice([0, 1, 1, 2, 3])
        else:
            n_evidence = rng.choice([1, 2, 2, 3, 3, 4])
        for lid in {
            min(int(N_LINKS * rng.random() ** 1.5) + 1, N_LINKS) for _ in range(n_evidence)
        }:
            at = tick()
            sid, url = self.links[lid]
            eid = self.add(
                "evidence",
                {
                    "claim_id": cid,
                    "link_id": lid,
                    "source_id": sid,
                    "stance": rng.choice(["supports", "refutes", "refutes", "context"]),
                    "quote": "According to the published figures, the number was revised.",
                    "note": "" if rng.random() < 0.7 else "Table 3, second column.",
                    "added_by_id": actor,
                    "created_at": at,
                    "updated_at": at,
                },
            )
            event("claims.evidence.added", actor=actor, target=("Evidence", eid),
                  changes={"url": url}, at=at)  # fmt: skip
        for _ in range(0 if status == "new" else rng.choice([0, 0, 1, 1, 2, 3])):
            at = tick()
            body = rng.choice(NOTE_BODIES).format(year=rng.randint(2015, 2025))
            author = rng.choice(self.reviewers)
            nid = self.add(
                "note",
                {
                    "claim_id": cid,
                    "author_id": author,
                    "body": body,
                    "format": "markdown" if "**" in body or "](" in body else "plain",
                    "created_at": at,
                    "updated_at": at,
                },
            )
            event("claims.note.added", actor=author, target=("Note", nid), at=at)

        def verdict(state, number, *, supersedes=None, note="", submitted=None, published=None):
            level = rng.choices(self.levels, self.level_weights)[0]
            at = tick()
            approver = None
            if published is not None:
                approver = rng.choice([e for e in self.editors if e != actor])
            vid = self.add(
                "verdict",
                {
                    "claim_id": cid,
                    "number": number,
                    "rating_id": level.pk,
                    "summary": f"{level.label}: {' '.join(sentence.split()[:12])}"[:280],
                    "rationale": (
                        "We compared the statement with the sources listed as evidence. "
                        f"{sentence} The official figures for the period tell a different "
                        "story in part."
                    ),
                    "author_id": actor,
                    "approver_id": approver,
                    "state": state,
                    "submitted_at": submitted,
                    "published_at": published,
                    "supersedes_id": supersedes,
                    "correction_note": note,
                    "version": 1 + (submitted is not None),
                    "created_at": at,
                    "updated_at": published or submitted or at,
                },
            )
            event("claims.verdict.drafted", actor=actor, target=("Verdict", vid),
                  changes={"rating": [None, level.label]}, at=at)  # fmt: skip
            return vid, level

        rating = None
        if status == "in_review" and rng.random() < 0.5:
            _, rating = verdict("draft", 1)
            version += 1
        elif status == "awaiting_approval":
            _, rating = verdict("awaiting_approval", 1, submitted=tick())
            event("claims.claim.submitted", actor=actor,
                  changes={"status": ["in_review", "awaiting_approval"]})  # fmt: skip
            version += 2
        elif status == "published":
            corrected = rng.random() < 0.04  # a few published verdicts were corrected
            first = "superseded" if corrected else "published"
            vid, rating = verdict(first, 1, submitted=tick(), published=tick())
            event("claims.claim.published", actor=rng.choice(self.editors),
                  changes={"status": ["awaiting_approval", "published"]})  # fmt: skip
            version += 3
            if corrected:
                at = tick()
                _, rating = verdict(
                    "published", 2, supersedes=vid, submitted=at, published=at,
                    note="An earlier version gave the wrong year for the figure.",
                )  # fmt: skip
                event("claims.verdict.superseded", actor=rng.choice(self.editors),
                      target=("Verdict", vid))  # fmt: skip
                version += 2
        elif status == "dismissed":
            event("claims.claim.dismissed", actor=actor, changes={"status": ["new", "dismissed"]})
            version += 1
        prefix, suffix = context_around(text, start, end)
        return self.add(
            "claim",
            {
                "article_id": aid,
                "start": start,
                "end": end,
                "text": sentence,
                "prefix": prefix,
                "suffix": suffix,
                "checkworthiness": round(score, 4),
                "status": status,
                "assignee_id": assignee,
                "version": version,
                "origin": origin,
                "dismissed_reason": rng.choice(DISMISS_REASONS) if status == "dismissed" else "",
                "rating_id": rating.pk if rating else None,
                "created_at": created,
                "updated_at": max(clock[0], created),
            },
        )

    # ------------------------------------------------------------------------------ write

    def write(self) -> dict[str, int]:
        from django.core.management.color import no_style
        from django.db import connection

        from claims.models import (
            Article,
            ArticleSentence,
            AuditEvent,
            CitedLink,
            Claim,
            Evidence,
            Note,
            Verdict,
        )
        from sources.models import Link, Source

        tables = [("source", Source), ("link", Link), ("article", Article), ("claim", Claim),
                  ("sentence", ArticleSentence), ("cited", CitedLink), ("evidence", Evidence),
                  ("verdict", Verdict), ("note", Note), ("event", AuditEvent)]  # fmt: skip
        if "topic" in self.rows:
            from claims.models import Topic

            tables += [("topic", Topic), ("article_topic", Article.topics.through)]
        copier = Copier(connection)
        with connection.cursor() as cursor:
            # Foreign keys are not checked row by row while copying (the generator is
            # consistent, and the offsets and links are checked below); check constraints
            # and unique indexes are.
            cursor.execute("SET session_replication_role = replica")
        try:
            for kind, model in tables:
                copier.copy(model, self.rows.pop(kind, []))
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = DEFAULT")
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), [m for _, m in tables]):
                cursor.execute(statement)
            cursor.execute(INVARIANTS_SQL)
            bad = cursor.fetchone()
        if any(bad):
            raise RuntimeError(f"the seeded data breaks an invariant: {bad}")
        return copier.counts


INVARIANTS_SQL = """
SELECT
  (SELECT count(*) FROM claims_claim c JOIN claims_article a ON a.id = c.article_id
    WHERE substr(a.text, c.start + 1, c."end" - c.start) <> c.text) AS claims_off,
  (SELECT count(*) FROM claims_articlesentence s JOIN claims_article a ON a.id = s.article_id
    WHERE substr(a.text, s.start + 1, s."end" - s.start) <> s.text) AS sentences_off,
  (SELECT count(*) FROM claims_citedlink l JOIN claims_article a ON a.id = l.article_id
    WHERE substr(a.text, l.start + 1, l."end" - l.start) <> l.anchor_text) AS anchors_off,
  (SELECT count(*) FROM claims_evidence e LEFT JOIN sources_link k ON k.id = e.link_id
    WHERE k.id IS NULL) AS evidence_without_link,
  (SELECT count(*) FROM claims_claim c LEFT JOIN claims_verdict v
     ON v.claim_id = c.id AND v.state = 'published'
    WHERE c.status = 'published' AND v.id IS NULL) AS published_without_verdict
"""


def seed(args) -> dict[str, int]:
    """Fill the migrated, empty database; the row counts per model."""
    seeder = Seeder(args)
    seeder.people()
    seeder.sources_and_links()
    seeder.articles()
    return seeder.write()


def scenario_data() -> Seeded:
    """Ids and words the scenarios draw from."""
    from collections import Counter

    from django.contrib.auth import get_user_model

    from claims.models import Claim

    User = get_user_model()
    claims = Claim.objects.order_by()
    # Search words: the 1,500 commonest words of five letters or more in the claims' text,
    # as a reviewer would type them (not stemmed), less a few words no one searches for.
    common = {"about", "there", "their", "would", "which", "these", "those", "think", "because",
              "going", "people", "being", "where", "should", "could", "every", "other"}  # fmt: skip
    words = Counter(w.lower() for s in load_sentences() for w in re.findall(r"[A-Za-z]{5,}", s))
    vocabulary = [w for w, _ in words.most_common(1600) if w not in common][:1500]
    published = claims.filter(status=Claim.Status.PUBLISHED).only("id", "text").order_by("pk")
    try:  # the reader site's address of a claim: /claims/<number>-<words>/
        from claims.public_selectors import claim_key
    except ImportError:
        claim_key = None
    public_claim_paths = [f"/claims/{claim_key(c) if claim_key else c.pk}/" for c in published]
    home_filters = {}
    try:
        from claims.models import Article, RatingLevel, Topic

        home_filters = {
            "rating": list(
                RatingLevel.objects.filter(scale__is_active=True).values_list("slug", flat=True)
            ),
            "topic": list(Topic.objects.values_list("slug", flat=True)),
            "publisher": [
                str(pk)
                for pk in Article.objects.exclude(publisher=None)
                .values_list("publisher_id", flat=True)
                .distinct()
            ],
        }
    except ImportError:
        pass
    return Seeded(
        login_user_id=User.objects.get(username=LOGIN_USER).pk,
        reviewer_ids=list(
            User.objects.filter(username__startswith="bench-").values_list("pk", flat=True)
        ),
        claim_ids=list(claims.values_list("pk", flat=True)),
        published_claim_ids=list(
            claims.filter(status=Claim.Status.PUBLISHED).values_list("pk", flat=True)
        ),
        vocabulary=vocabulary,
        public_claim_paths=public_claim_paths,
        home_filters=home_filters,
    )


# ============================================================================================
# The server
# ============================================================================================


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(env: dict[str, str], port: int, workers: int, log: Path) -> subprocess.Popen:
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "factcheck.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--access-logfile",
        str(log.with_suffix(".access.log")),
        "--error-logfile",
        str(log),
    ]
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({process.returncode}); see {log}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5):
                return process
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer within 60 s")


def stop_gunicorn(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def worker_pids(master: int) -> list[int]:
    pids = [master]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                pids.append(int(entry.name))
    return pids


def postgres_backend_pids() -> list[int]:
    """PostgreSQL backends serving the benchmark database (their title names it)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if cmdline.startswith(b"postgres: ") and f" {DB_NAME} ".encode() in cmdline:
                pids.append(int(entry.name))
    return pids


def cpu_seconds(pids: Iterable[int]) -> dict[int, float]:
    tick = os.sysconf("SC_CLK_TCK")
    times = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        times[pid] = (int(fields[11]) + int(fields[12])) / tick
    return times


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


# ============================================================================================
# The load generator
# ============================================================================================


def login(port: int, password: str) -> str:
    """Log in through the login form; the Cookie header of the session."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    base = f"http://127.0.0.1:{port}"
    page = opener.open(f"{base}/accounts/login/", timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode(
        {"username": LOGIN_USER, "password": password, "csrfmiddlewaretoken": token}
    ).encode()
    opener.open(f"{base}/accounts/login/", data=data, timeout=30).read()
    cookies = {c.name: c.value for c in jar}
    if "sessionid" not in cookies:
        raise RuntimeError("logging in did not give a session cookie")
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


async def http_get(port: int, path: str, cookie: str | None) -> tuple[int, int, str]:
    """One GET on a fresh connection (gunicorn's sync workers close it after each response,
    as they would behind a proxy); returns (status, bytes, the reader cache's verdict: "hit",
    "miss" or "" from its ``X-Reader-Cache`` header)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        head = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/html\r\n"
        if cookie:
            head += f"Cookie: {cookie}\r\n"
        writer.write((head + "Connection: close\r\n\r\n").encode("ascii"))
        data = await reader.read(-1)
    finally:
        writer.close()
    if not data.startswith(b"HTTP/1."):
        return 0, len(data), ""
    head_end = data.find(b"\r\n\r\n")
    at = data.find(b"\r\nX-Reader-Cache: ", 0, head_end)
    cached = data[at + 18 : data.find(b"\r\n", at + 2)].decode() if at != -1 else ""
    return int(data[9:12]), len(data), cached


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)  # seconds, from the scheduled start
    errors: dict[str, int] = field(default_factory=dict)
    first_start: float = 0.0
    last_end: float = 0.0
    bytes: int = 0
    reader_cache: dict[str, int] = field(default_factory=dict)  # "hit"/"miss" -> responses


async def drive(
    port: int, paths: Callable[[int], str], cookie: str | None, rate: float, seconds: float
) -> Result:
    """Send ``rate * seconds`` requests at a fixed rate (open loop)."""
    loop = asyncio.get_running_loop()
    result = Result()
    total = max(1, round(rate * seconds))
    t0 = loop.time() + 0.05
    result.first_start = t0

    async def one(i: int, scheduled: float) -> None:
        try:
            status, size, cached = await asyncio.wait_for(
                http_get(port, paths(i), cookie), timeout=REQUEST_TIMEOUT
            )
            key = None if status == 200 else f"HTTP {status}"
            if cached:
                result.reader_cache[cached] = result.reader_cache.get(cached, 0) + 1
        except TimeoutError:
            key = "timeout"
        except OSError as exc:
            key = type(exc).__name__
        else:
            result.bytes += size
        end = loop.time()
        result.latencies.append(end - scheduled)
        result.last_end = max(result.last_end, end)
        if key:
            result.errors[key] = result.errors.get(key, 0) + 1

    tasks = []
    for i in range(total):
        scheduled = t0 + i / rate
        delay = scheduled - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i, scheduled)))
    await asyncio.gather(*tasks)
    return result


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


@dataclass
class Scenario:
    key: str
    name: str
    rate: float
    target_ms: float
    paths: Callable[[int], str]
    anonymous: bool = False
    describe: str = ""
    not_measured: str = ""  # why, when the page is not there
    # "cold": the reader cache is emptied first; "warm": published pages are prerendered first.
    cache: str = ""
    baseline: bool = False  # printed for comparison; its target does not set the exit status


def zipf_index(rng: random.Random, n: int, s: float = 1.1) -> int:
    """An index in [0, n) with a Zipf-like popularity (a few very popular items)."""
    return min(n - 1, int(n ** (rng.random() ** s)) - 1)


def scenarios(data: Seeded, rng: random.Random) -> list[Scenario]:
    queue = "/review/claims/"
    statuses = ["new", "in_review", "awaiting_approval", "published"]

    def unfiltered(i: int) -> str:
        r = rng.random()
        if r < 0.6:
            return queue
        if r < 0.85:
            return f"{queue}?page={rng.randint(2, 20)}"
        return f"{queue}?o={rng.choice(['-score', 'score', '-created', '-updated'])}"

    def filtered(i: int) -> str:
        lo = rng.choice([0.3, 0.4, 0.5, 0.6, 0.7])
        hi = min(1.0, round(lo + rng.choice([0.2, 0.3, 0.5]), 2))
        who = rng.choice(["mine", "unassigned", str(rng.choice(data.reviewer_ids))])
        return f"{queue}?status={rng.choice(statuses)}&assignee={who}&score_min={lo}&score_max={hi}"

    def search(i: int) -> str:
        vocab = data.vocabulary
        words = [vocab[zipf_index(rng, len(vocab), 1.0)]]
        if rng.random() < 0.3:
            words.append(vocab[zipf_index(rng, len(vocab), 1.0)])
        return f"{queue}?q={urllib.parse.quote_plus(' '.join(words))}"

    def claim_page(i: int) -> str:
        return f"/review/claims/{rng.choice(data.claim_ids)}/"

    claim_paths = data.public_claim_paths[:]
    rng.shuffle(claim_paths)  # popularity does not follow the claim number

    def public_claim(i: int) -> str:
        return claim_paths[zipf_index(rng, len(claim_paths))]

    # The reader home: a fixed set of filter combinations, the popular ones far more often.
    filters = data.home_filters
    home_urls = ["/", "/?page=2", "/?page=3"]
    for name in ("rating", "topic", "publisher"):
        home_urls += [f"/?{name}={value}" for value in filters.get(name, [])]
    for rating in filters.get("rating", []):
        home_urls += [f"/?rating={rating}&topic={topic}" for topic in filters.get("topic", [])]
    home_urls += [f"/?q={word}" for word in data.vocabulary[:100]]
    home_urls += [f"/?rating={r}&page=2" for r in filters.get("rating", [])]
    home_order = home_urls[:3] + rng.sample(home_urls[3:], len(home_urls) - 3)

    def public_home(i: int) -> str:
        return home_order[zipf_index(rng, len(home_order))]

    return [
        Scenario("queue", "queue, unfiltered", 30, 150, unfiltered,
                 describe="page 1 (60 %), pages 2-20 (25 %), sorted by score/date (15 %)"),
        Scenario("filtered", "queue, filtered", 30, 150, filtered,
                 describe="status + assignee (mine/unassigned/a reviewer) + score range"),
        Scenario("search", "queue, text search", 5, 300, search,
                 describe="?q= one word (70 %) or two, Zipf over the 1,500 commonest words"),
        Scenario("claim", "claim page (workbench)", 20, 50, claim_page,
                 describe="/review/claims/<id>/, uniform over all claims"),
        Scenario("public_claim_cold", "public claim page, cold cache (baseline)", 200, 25,
                 public_claim, anonymous=True, cache="cold", baseline=True,
                 describe="the same requests with the reader cache emptied first"),
        Scenario("public_claim", "public claim page", 200, 25, public_claim, anonymous=True,
                 cache="warm",
                 describe="/claims/<number>-<words>/, Zipf over the published claims, "
                          "after manage.py warm_reader_cache"),
        Scenario("public_home", "public home, filters", 30, 100, public_home, anonymous=True,
                 describe="/ with rating, topic, publisher, rating + topic, search, pages; Zipf"),
    ]  # fmt: skip


def probe_public(scenario: Scenario, port: int) -> str:
    """Why a public page cannot be measured ('' when it can)."""
    from django.urls import Resolver404, resolve

    path = scenario.paths(0).split("?", 1)[0]
    try:
        resolve(path)
    except Resolver404:
        return f"{path} has no URL route yet (public pages are being built)"
    status, _, _ = asyncio.run(http_get(port, path, None))
    if status != 200:
        return f"{path} answers {status} to an anonymous reader"
    return ""


# ============================================================================================
# Main
# ============================================================================================


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
    os.environ.update(env)
    import django

    django.setup()
    import redis
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    for url in (REDIS_URL, REDIS_CACHE_URL):  # the benchmark's own Redis databases
        redis.Redis.from_url(url).flushdb()

    t_seed = time.perf_counter()
    if not reused:
        database_drop()
        database_create()
    call_command("migrate", verbosity=0, interactive=False)
    t_migrated = time.perf_counter()
    if not reused:
        print(f"seeding {DB_NAME} ...", flush=True)
        seed(args)
        t_copied = time.perf_counter()
        connection.close()
        with bench_db(autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
        t_done = time.perf_counter()
    call_command("collectstatic", verbosity=0, interactive=False)
    password = secrets.token_urlsafe(24)
    user = get_user_model().objects.get(username=LOGIN_USER)
    user.set_password(password)
    user.save(update_fields=["password"])
    data = scenario_data()
    connection.close()

    print("Pages benchmark (benchmarks/pages.py)")
    print(f"Command : {command}")
    print(f"Date    : {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"Machine : {platform.platform()} | {platform.machine()} | CPUs: {os.cpu_count()}")
    print(f"Python  : {sys.version.split()[0]} ({platform.python_implementation()})")
    with bench_db() as conn:
        pg_version = conn.execute("SHOW server_version").fetchone()[0]
        sizes = dict(
            zip(
                SIZES,
                conn.execute(
                    "SELECT " + ", ".join(f"({sql})" for sql in SIZES.values())
                ).fetchone(),
                strict=True,
            )
        )
        db_size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        db_size = db_size.fetchone()[0]
    import gunicorn

    print(f"Postgres: {pg_version} (database {DB_NAME}, {db_size}) | Redis cache db 10")
    print(f"Server  : gunicorn {gunicorn.__version__}, {args.workers} sync workers, settings "
          f"{SETTINGS} (production + plain-HTTP cookies)")  # fmt: skip
    print("Data    : " + ", ".join(f"{v:,} {k}" for k, v in sizes.items()))
    if reused:
        print(f"Seeding : reused the existing database (migrate: {t_migrated - t_seed:.1f} s)")
    else:
        print(
            f"Seeding : {t_done - t_seed:.1f} s in all (create + migrate {t_migrated - t_seed:.1f}"
            f" s, generate + COPY {t_copied - t_migrated:.1f} s, VACUUM ANALYZE "
            f"{t_done - t_copied:.1f} s)"
        )
    print(
        f"Load    : open loop from 127.0.0.1, one asyncio process, {args.warmup:g} s warm-up"
        f" + {args.duration:g} s per scenario, {REQUEST_TIMEOUT:g} s deadline per request;"
        f" load average at start {' '.join(f'{v:.2f}' for v in os.getloadavg())}"
    )
    print()

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
            row = run_scenario(scenario, port, None if scenario.anonymous else cookie,
                               server.pid, args)  # fmt: skip
            rows.append((scenario, *row))
            if not row[1]["ok"] and not scenario.baseline:
                missed.append(scenario.name)
    finally:
        stop_gunicorn(server)
        if not args.keep_db:
            database_drop()
        shutil.rmtree(work, ignore_errors=True)

    print()
    print("| scenario | target | rate sent/achieved | n | p50 | p95 | p99 | errors | result |")
    print("|---|---|---|---|---|---|---|---|---|")
    for scenario, result, info in rows:
        if result is None:
            target = f"p95 ≤ {scenario.target_ms:g} ms at {scenario.rate:g}/s"
            print(f"| {scenario.name} | {target} | - | - | - | - | - | - | not measured |")
            continue
        print(
            f"| {scenario.name} | p95 ≤ {scenario.target_ms:g} ms at {scenario.rate:g}/s "
            f"| {scenario.rate:g}/{info['achieved']:.1f} | {len(result.latencies)} "
            f"| {info['p50']:.1f} | {info['p95']:.1f} | {info['p99']:.1f} | {info['errors']} "
            f"| {'baseline' if scenario.baseline else 'met' if info['ok'] else 'MISSED'} |"
        )
    print()
    if missed:
        print("Targets missed: " + ", ".join(missed))
        return 1
    print("Every measured target is met.")
    return 0


def warm_reader_cache(env: dict[str, str], processes: int = 2) -> None:
    """Prerender every published page (``manage.py warm_reader_cache``), as after a deploy;
    in production each publication renders its own pages."""
    import redis

    started = time.perf_counter()
    command = [str(ROOT / ".venv" / "bin" / "python"), "manage.py", "warm_reader_cache"]
    runs = [
        subprocess.Popen(
            [*command, "--shard", f"{i}/{processes}"],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for i in range(processes)
    ]
    outputs = [run.communicate()[0].strip() for run in runs]
    if any(run.returncode for run in runs):
        raise RuntimeError("warm_reader_cache failed: " + " | ".join(outputs))
    info = redis.Redis.from_url(REDIS_CACHE_URL).info("memory")
    print(
        f"reader cache warmed by {processes} processes in {time.perf_counter() - started:.1f} s "
        f"({' | '.join(outputs)}); Redis now uses {info['used_memory_human']} in all"
    )


def drain(port: int, limit: float = 60.0) -> None:
    """Wait until the server is idle again (two quick answers in a row), so that requests
    left queued by an overloaded scenario do not slow the next one down."""
    quick, deadline = 0, time.monotonic() + limit
    while quick < 2 and time.monotonic() < deadline:
        start = time.perf_counter()
        with contextlib.suppress(OSError, TimeoutError):
            asyncio.run(asyncio.wait_for(http_get(port, "/accounts/login/", None), 10))
        quick = quick + 1 if time.perf_counter() - start < 0.1 else 0
        time.sleep(0.2)


def run_scenario(scenario: Scenario, port: int, cookie: str | None, master: int, args):
    drain(port)
    print(f"{scenario.name}: {scenario.rate:g} requests/s, {scenario.describe}")
    asyncio.run(drive(port, scenario.paths, cookie, scenario.rate, args.warmup))
    load_before = os.getloadavg()[0]
    pids = worker_pids(master) + postgres_backend_pids()
    cpu_before = cpu_seconds(pids)
    busy_before = machine_busy()
    own_before = time.process_time()
    wall_before = time.perf_counter()
    result = asyncio.run(drive(port, scenario.paths, cookie, scenario.rate, args.duration))
    wall = time.perf_counter() - wall_before
    own = time.process_time() - own_before
    busy_after = machine_busy()
    cpu_after = cpu_seconds(pids)
    server_cpu = sum(cpu_after[p] - cpu_before.get(p, 0.0) for p in cpu_after)
    machine = (busy_after[0] - busy_before[0]) / max(1, busy_after[1] - busy_before[1])
    n = len(result.latencies)
    ms = [v * 1000 for v in result.latencies]
    errors = sum(result.errors.values())
    achieved = n / max(1e-9, result.last_end - result.first_start)
    info = {
        "p50": percentile(ms, 50),
        "p95": percentile(ms, 95),
        "p99": percentile(ms, 99),
        "errors": errors,
        "achieved": achieved,
    }
    info["ok"] = info["p95"] <= scenario.target_ms and errors == 0
    print(
        f"  n={n} sent at {scenario.rate:g}/s, achieved {achieved:.1f}/s | "
        f"p50 {info['p50']:.1f} ms, p95 {info['p95']:.1f} ms, p99 {info['p99']:.1f} ms, "
        f"max {max(ms):.1f} ms | errors {errors}"
        + (f" {result.errors}" if errors else "")
        + f" | {result.bytes / max(1, n - errors) / 1024:.0f} KB/response"
        + (
            f" | reader cache: {result.reader_cache.get('hit', 0)} hits, "
            f"{result.reader_cache.get('miss', 0)} misses"
            if result.reader_cache
            else ""
        )
    )
    print(
        f"  CPU: generator {100 * own / wall:.0f} % of a core; gunicorn + its PostgreSQL "
        f"backends {1000 * server_cpu / max(1, n):.1f} ms per request; machine "
        f"{100 * machine:.0f} % busy; load average {load_before:.2f} -> {os.getloadavg()[0]:.2f}"
        f" | target p95 <= {scenario.target_ms:g} ms: {'met' if info['ok'] else 'MISSED'}"
    )
    return result, info


if __name__ == "__main__":
    sys.exit(main())
