"""PostgreSQL loses a session in the middle of the work: ``pg_terminate_backend`` from a
second connection, just before a chosen statement of a request (or of a job) is sent.

The request gets the site's 503 "try again" page, nothing of its change is written (no
verdict, evidence or audit row half-made), and the next request works (the dead connection
is discarded when the request ends). A job whose connection is killed runs again and does
its work once.
"""

from __future__ import annotations

import contextlib
import threading
import time

import pytest
from django.db import close_old_connections, connection
from django.db.backends.utils import CursorWrapper
from django.urls import reverse

from audit.models import AuditEvent
from claims.models import Article, Claim, Evidence, IngestJob, Verdict
from claims.tasks import article_fetch_and_ingest
from sources import services as link_services
from sources.models import Link, LinkCheck, LinkState
from tests.factories import ClaimFactory, IngestJobFactory, LinkFactory
from tests.reliability.conftest import (
    awaiting_approval,
    services_only,
    thread_worker,
    wait_for,
)
from tests.sources.httpserver import LocalHTTPServer, respond

pytestmark = [services_only, pytest.mark.django_db(transaction=True)]


def _server() -> dict:
    params = connection.settings_dict
    return {
        "host": params["HOST"] or "127.0.0.1",
        "port": params["PORT"] or 5432,
        "user": params["USER"],
        "password": params["PASSWORD"] or None,
        "dbname": params["NAME"],
    }


def _terminate(pid: int) -> None:
    """``pg_terminate_backend`` from a connection of its own; returns once the session is
    gone."""
    import psycopg

    with psycopg.connect(autocommit=True, **_server()) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()[0]
        deadline = time.monotonic() + 10
        while admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
            assert time.monotonic() < deadline, f"session {pid} still there"
            time.sleep(0.02)


class SessionKiller:
    """Kills the session that is about to send the first statement containing ``fragment``
    (in any thread, or only in a thread other than the test's with ``elsewhere``)."""

    def __init__(self, fragment: str, *, elsewhere: bool = False):
        self.fragment = fragment
        self.elsewhere = elsewhere
        self.killed: list[str] = []
        self._main = threading.get_ident()

    def wants(self, sql: str) -> bool:
        if self.killed or self.fragment not in sql:
            return False
        return not self.elsewhere or threading.get_ident() != self._main


@contextlib.contextmanager
def session_killed_at(fragment: str, *, elsewhere: bool = False):
    killer = SessionKiller(fragment, elsewhere=elsewhere)
    original = CursorWrapper._execute

    def execute(self, sql, params, *ignored):
        if killer.wants(sql):
            killer.killed.append(sql)
            _terminate(self.db.connection.info.backend_pid)
        return original(self, sql, params, *ignored)

    CursorWrapper._execute = execute
    try:
        yield killer
    finally:
        CursorWrapper._execute = original


def _assert_site_503(response) -> None:
    assert response.status_code == 503, response.status_code
    assert "try again" in response.content.decode().lower()
    assert response["Retry-After"]


def _after_the_request() -> None:
    """What Django's handler does when a request ends: an unusable connection is closed, so
    the next request opens a new one."""
    close_old_connections()


def test_a_publication_whose_connection_is_killed_writes_nothing_and_gets_the_503_page(
    client_for, reviewer
):
    claim = awaiting_approval(reviewer)
    editor = client_for("editor")
    events = AuditEvent.objects.count()
    url = reverse("claims:claim_publish", kwargs={"pk": claim.pk})

    # Killed when the publication's audit event is written: the verdict and the claim were
    # already changed in the same transaction.
    with session_killed_at('INSERT INTO "audit_auditevent"') as killer:
        response = editor.post(url, {"version": claim.version})
    assert killer.killed, "the connection was never killed: the test proves nothing"
    _assert_site_503(response)
    _after_the_request()

    claim.refresh_from_db()
    assert claim.status == Claim.Status.AWAITING_APPROVAL
    assert not Verdict.objects.filter(claim=claim, state=Verdict.State.PUBLISHED).exists()
    assert AuditEvent.objects.count() == events

    # The editor sends it again: it works, once.
    assert editor.post(url, {"version": claim.version}).status_code == 302
    claim.refresh_from_db()
    assert claim.status == Claim.Status.PUBLISHED
    assert AuditEvent.objects.filter(action="claims.verdict.published").count() == 1


def test_evidence_whose_connection_is_killed_is_not_half_saved(client_for):
    claim = ClaimFactory()
    reviewer = client_for("reviewer")
    url = reverse("claims:evidence_add", kwargs={"pk": claim.pk})
    data = {"url": "https://example.org/audit", "stance": "refutes", "quote": "4.2 million"}
    events = AuditEvent.objects.count()

    with session_killed_at('INSERT INTO "audit_auditevent"') as killer:
        response = reviewer.post(url, data)
    assert killer.killed
    _assert_site_503(response)
    _after_the_request()
    assert not Evidence.objects.exists()
    assert AuditEvent.objects.count() == events

    assert reviewer.post(url, data).status_code == 302
    assert Evidence.objects.filter(claim=claim).count() == 1


def test_a_reader_page_whose_connection_is_killed_gets_the_503_page(client_for):
    with session_killed_at("SELECT") as killer:
        response = client_for("anonymous").get("/")
    assert killer.killed
    _assert_site_503(response)
    _after_the_request()
    assert client_for("anonymous").get("/").status_code == 200


def test_an_ingestion_whose_connection_is_killed_runs_again_and_stores_the_article_once():
    job = IngestJobFactory(
        text="The council spent 4 million on roads in 2023. It rained.",
        text_format="text",
        title="Roads",
    )
    with (
        session_killed_at('INSERT INTO "claims_article"', elsewhere=True) as killer,
        thread_worker(),
    ):
        article_fetch_and_ingest.delay(job.pk)
        wait_for(lambda: IngestJob.objects.get(pk=job.pk).is_finished, 60, "the ingestion ending")
    assert killer.killed
    job.refresh_from_db()
    assert job.state == IngestJob.State.DONE, (job.state, job.error)
    assert Article.objects.filter(title="Roads").count() == 1


def test_a_link_check_whose_connection_is_killed_runs_again_and_records_each_link_once(
    allow_servers, fast_link_settings
):
    with LocalHTTPServer() as server:
        for path in ("/a", "/b", "/c"):
            server.route(path, respond(200, "fine", content_type="text/plain"))
        allow_servers(server)
        links = [LinkFactory(url=server.url(p), host=server.host) for p in ("/a", "/b", "/c")]
        # Killed when the batch records its first result.
        with (
            session_killed_at('INSERT INTO "sources_linkcheck"', elsewhere=True) as killer,
            thread_worker(),
        ):
            assert link_services.links_sweep() == 3
            wait_for(
                lambda: not Link.objects.filter(last_checked_at__isnull=True).exists(),
                60,
                "checking every link after the lost session",
            )
    assert killer.killed
    for link in links:
        link.refresh_from_db()
        assert link.state == LinkState.ALIVE and link.checking_since is None
        assert LinkCheck.objects.filter(link=link).count() == 1
