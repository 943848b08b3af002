"""The pages benchmark's data set: its own PostgreSQL database, seeded with ``COPY``.

``build_database`` (re)creates and migrates the database ``factcheck_bench``, then ``seed``
generates the whole data set in memory (ids assigned here; 100,000 claims over 2,000 articles
by default, texts built from the ClaimBuster sentences) and writes it model by model with
``COPY``, checks in SQL that every claim, sentence and cited link is an exact slice of its
article (``INVARIANTS_SQL``), and ``VACUUM ANALYZE`` ends it. ``SIZES`` are the counts the
benchmark prints on its data line.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from .config import CLAIMBUSTER, DB_NAME, PG_HOST, PG_PORT, PG_USER
from .layout import AUDIT_EVENT_TABLE, audit_event_model, topic_model

SENTENCES_PER_ARTICLE_EXTRA = 30  # sentences of an article that are not claims
N_REVIEWERS, N_EDITORS = 16, 4
N_SOURCES, N_LINKS = 500, 40_000
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
    # LAYOUT: the audit log's table is named in layout.py (a constant, not input).
    "audit events": f"SELECT count(*) FROM {AUDIT_EVENT_TABLE}",  # noqa: S608
}

# ============================================================================================
# The database
# ============================================================================================


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


def build_database(args, reused: bool) -> dict[str, float]:
    """Create (unless ``reused``), migrate and seed the database; the times of the steps in
    seconds: ``migrate`` (with creating), and unless reused ``copy`` (generate + COPY),
    ``vacuum`` and ``total``. Django must be set up on this database."""
    from django.core.management import call_command
    from django.db import connection

    t_seed = time.perf_counter()
    if not reused:
        database_drop()
        database_create()
    call_command("migrate", verbosity=0, interactive=False)
    t_migrated = time.perf_counter()
    times = {"migrate": t_migrated - t_seed}
    if not reused:
        print(f"seeding {DB_NAME} ...", flush=True)
        seed(args)
        t_copied = time.perf_counter()
        connection.close()
        with bench_db(autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
        t_done = time.perf_counter()
        times["copy"] = t_copied - t_migrated
        times["vacuum"] = t_done - t_copied
        times["total"] = t_done - t_seed
    return times


# ============================================================================================
# Generating the data
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
    field's default, so a column added to a model later does not break the seeding. Rows name
    fields by attribute (``claim_id``); a key of a model's first row that names no field (one
    renamed or removed, as when the audit log left ``claims``) stops the seeding rather than
    losing its values."""

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
                if not n and (unknown := row.keys() - set(names)):
                    raise RuntimeError(f"{model.__name__} has no field {sorted(unknown)}")
                values = [row[name] if name in row else defaults[name] for name in names]
                for i, name in enumerate(names):
                    if name in json_fields and values[i] is not None:
                        values[i] = Jsonb(values[i])
                copy.write_row(values)
                n += 1
        self.counts[model._meta.verbose_name_plural] = n
        return n


def zipf_index(rng: random.Random, n: int, s: float = 1.1) -> int:
    """An index in [0, n) with a Zipf-like popularity (a few very popular items)."""
    return min(n - 1, int(n ** (rng.random() ** s)) - 1)


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
            CitedLink,
            Claim,
            Evidence,
            Note,
            Verdict,
        )
        from sources.models import Link, Source

        AuditEvent = audit_event_model()

        tables = [("source", Source), ("link", Link), ("article", Article), ("claim", Claim),
                  ("sentence", ArticleSentence), ("cited", CitedLink), ("evidence", Evidence),
                  ("verdict", Verdict), ("note", Note), ("event", AuditEvent)]  # fmt: skip
        if "topic" in self.rows:
            tables += [("topic", topic_model()), ("article_topic", Article.topics.through)]
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
