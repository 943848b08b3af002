"""Run by ``tests/claims/test_ingest_scale.py`` in its own process, in embedded mode: a fresh
SQLite *file* database (WAL, the busy timeout of ``factcheck/settings/base.py``) under
``$FACTCHECK_VAR_DIR``, as a desk's own machine runs it. (The test suite's in-memory
shared-cache SQLite has table locks, not SQLite's file locking: it cannot show this.)

``python -m tests.claims.ingest_probe concurrent BYTES``: a thread ingests a pasted text of
about BYTES while the main thread keeps logging a reviewer in and having another reviewer add
notes to a claim, through Django's test client (the whole middleware stack); prints JSON.

``python -m tests.claims.ingest_probe locked``: another connection holds SQLite's write lock;
a log-in and a note must answer 503 with Retry-After, and succeed once the lock is released.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import sys
import threading
import time
from pathlib import Path

CLAIMBUSTER = Path(__file__).resolve().parents[3] / "shared" / "data" / "claimbuster" / "train.json"
PASSWORD = "correct horse battery staple"


def build_text(size: int, seed: int = 14) -> str:
    """About ``size`` bytes of English prose: ClaimBuster sentences in paragraphs."""
    rows = json.loads(CLAIMBUSTER.read_text(encoding="utf-8"))
    rng = random.Random(seed)
    parts, total = [], 0
    while total < size:
        paragraph = " ".join(rng.choice(rows)["text"].strip() for _ in range(5))
        parts.append(paragraph)
        total += len(paragraph.encode("utf-8")) + 2
    return "\n\n".join(parts)


def _setup():
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from factcheck.lib.roles import REVIEWER, role_assign, roles_sync
    from tests.factories import ClaimFactory, UserFactory

    roles_sync()
    users = []
    for name in ("walk-in", "editing"):
        user = UserFactory(username=name)
        role_assign(user, REVIEWER)
        users.append(user)
    return users, ClaimFactory()


def _timed(call):
    started = time.perf_counter()
    response = call()
    return response, time.perf_counter() - started


def concurrent(size: int) -> dict:
    users, claim = _setup()
    from django.db import connections
    from django.test import Client

    from claims import languages, services

    # A worker that has ingested before holds the language detector's model already (its
    # first load, about 0.7 s, would otherwise come before the writes the probe watches).
    languages.detect("The council approved the budget for the new bridge on Monday night.")

    text = build_text(size)
    stage = {"now": "starting"}
    outcome: dict = {}

    def progress(name: str, done: int, total: int) -> None:
        stage["now"] = name

    def ingest() -> None:
        started = time.perf_counter()
        try:
            result = services.article_ingest(title="A huge paste", text=text, progress=progress)
            outcome["claims"] = result.claims_created
            outcome["sentences"] = result.article.sentences.count()
            outcome["state"] = result.article.ingest_state
        except Exception as exc:  # reported to the test
            outcome["error"] = repr(exc)
        finally:
            outcome["seconds"] = time.perf_counter() - started
            stage["now"] = "finished"
            connections.close_all()

    editor = Client()
    editor.force_login(users[1])
    note_url = f"/review/claims/{claim.pk}/notes/"
    assign_url = f"/review/claims/{claim.pk}/assign/"
    requests: list[dict] = []

    def record(kind: str, url: str, data: dict, client) -> None:
        during = stage["now"]
        response, seconds = _timed(lambda: client.post(url, data))
        requests.append(
            {"kind": kind, "status": response.status_code, "s": seconds, "stage": during}
        )

    worker = threading.Thread(target=ingest)
    worker.start()
    n = 0
    deadline = time.monotonic() + 120
    while worker.is_alive() and time.monotonic() < deadline:
        n += 1
        login = {"username": "walk-in", "password": PASSWORD}
        record("login", "/accounts/login/", login, Client())
        record("note", note_url, {"body": f"Checked source {n}.", "format": "plain"}, editor)
        claim.refresh_from_db(fields=["version"])
        assign = {"version": claim.version, "assignee": users[1].pk if n % 2 else ""}
        record("save", assign_url, assign, editor)
    worker.join()
    return {"ingest": outcome, "requests": requests, "bytes": len(text.encode("utf-8"))}


def locked() -> dict:
    users, claim = _setup()
    from django.conf import settings
    from django.db import connections
    from django.test import Client

    editor = Client()
    editor.force_login(users[1])
    connections.close_all()
    # Wait 0.5 s for the lock instead of 20 s: the answer is the same, sooner.
    connections["default"].settings_dict["OPTIONS"]["timeout"] = 0.5
    holder = sqlite3.connect(settings.DATABASES["default"]["NAME"], isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    note_url = f"/review/claims/{claim.pk}/notes/"
    seen = []
    login = Client(raise_request_exception=False).post(
        "/accounts/login/", {"username": "walk-in", "password": PASSWORD}
    )
    note = Client(raise_request_exception=False)
    note.cookies = editor.cookies
    saved = note.post(note_url, {"body": "While locked.", "format": "plain"})
    for response in (login, saved):
        seen.append(
            {
                "status": response.status_code,
                "retry_after": response.get("Retry-After"),
                "busy_page": b"Busy: try again" in response.content,
            }
        )
    holder.execute("ROLLBACK")
    holder.close()
    after_login = Client().post("/accounts/login/", {"username": "walk-in", "password": PASSWORD})
    after_note = editor.post(note_url, {"body": "After the lock.", "format": "plain"})
    from claims.models import Note

    return {
        "locked": seen,
        "after": [after_login.status_code, after_note.status_code],
        "notes": list(Note.objects.filter(claim=claim).values_list("body", flat=True)),
    }


def main() -> None:
    if not os.environ.get("FACTCHECK_VAR_DIR"):
        sys.exit("set FACTCHECK_VAR_DIR to a scratch folder: this makes a database there")
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    mode = sys.argv[1]
    report = concurrent(int(sys.argv[2])) if mode == "concurrent" else locked()
    print("PROBE-RESULT " + json.dumps(report))


if __name__ == "__main__":
    main()
