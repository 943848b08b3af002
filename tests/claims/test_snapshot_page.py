"""The reviewer's page of a snapshot: the fetch facts, the extracted text with the quoted
passage marked, always escaped; it outlives the page it copies; the WARC file downloads."""

from __future__ import annotations

import contextlib
import io

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from warcio.archiveiterator import ArchiveIterator

from claims import services
from factcheck.celery_app import app
from sources.models import Link, Snapshot
from tests.factories import ClaimFactory, EvidenceFactory
from tests.sources.httpserver import LocalHTTPServer, respond

PAGE = """<!doctype html><html><head><title>Jobs report</title></head><body>
<article><h1>Jobs report</h1>
<p>The national statistics office said on Friday that unemployment fell to 4.1 percent in
March, the lowest level in six years, as hiring picked up in construction and retail.</p>
<p>Economists had expected the rate to stay at 4.3 percent in the same month.</p>
</article></body></html>"""

QUOTE = "unemployment fell to 4.1 percent in March"


@pytest.fixture
def patch_setting(monkeypatch):
    def patch(name: str, value) -> None:
        monkeypatch.setattr(django_settings, name, value, raising=False)

    return patch


@pytest.fixture
def server(patch_setting, tmp_path):
    patch_setting("FACTCHECK_SNAPSHOT_STORAGE", "snapshots-under-test")
    patch_setting("FACTCHECK_SNAPSHOT_DIR", tmp_path / "snapshots")
    patch_setting("FACTCHECK_SNAPSHOT_ON_CITE", True)
    patch_setting("FACTCHECK_FETCH_TOTAL_TIMEOUT", 5.0)
    local = LocalHTTPServer().start()
    patch_setting("FACTCHECK_FETCH_ALLOW_HOSTS", [f"{local.host}:{local.port}"])
    local.route("/jobs", respond(200, PAGE, headers={"ETag": '"jobs-1"'}))
    local.route(
        "/raw.txt",
        respond(
            200, "Note: <script>alert(1)</script> fell to 4.1 percent", content_type="text/plain"
        ),
    )
    yield local
    local.stop()


@contextlib.contextmanager
def eager_jobs():
    was = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = was


def cited(client, url, quote, capture):
    user = get_user_model().objects.get(pk=client.session["_auth_user_id"])
    claim = ClaimFactory()
    with eager_jobs(), capture(execute=True):
        return services.evidence_add(claim=claim, user=user, url=url, stance="refutes", quote=quote)


def page_url(evidence, **query) -> str:
    url = reverse(
        "claims:evidence_snapshot", kwargs={"pk": evidence.claim_id, "evidence_pk": evidence.pk}
    )
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


@pytest.mark.django_db
def test_the_snapshot_outlives_the_page_and_shows_the_quote_marked(
    server, client_for, django_capture_on_commit_callbacks
):
    client = client_for("reviewer")
    evidence = cited(client, server.url("/jobs"), QUOTE, django_capture_on_commit_callbacks)
    snapshot = Snapshot.objects.get(link=evidence.link)
    # The page dies: the server is gone and the link checker has said so.
    server.stop()
    Link.objects.filter(pk=evidence.link_id).update(state=Link.State.DEAD)

    response = client.get(page_url(evidence))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<mark id="quoted-passage">{QUOTE}</mark>' in html
    assert "the lowest level in six years" in html
    assert "Accessed on" in html and '"jobs-1"' not in html  # escaped: &quot;jobs-1&quot;
    assert "&quot;jobs-1&quot;" in html
    assert snapshot.content_hash in html
    assert "Quote found on the page" in html
    # The claim page links to it.
    claim_page = client.get(reverse("claims:claim_detail", kwargs={"pk": evidence.claim_id}))
    assert page_url(evidence) in claim_page.content.decode()


@pytest.mark.django_db
def test_the_text_is_always_escaped(server, client_for, django_capture_on_commit_callbacks):
    client = client_for("reviewer")
    evidence = cited(
        client, server.url("/raw.txt"), "fell to 4.1 percent", django_capture_on_commit_callbacks
    )
    html = client.get(page_url(evidence)).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<mark id="quoted-passage">fell to 4.1 percent</mark>' in html


@pytest.mark.django_db
def test_the_warc_file_downloads_and_warcio_reads_it(
    server, client_for, django_capture_on_commit_callbacks
):
    client = client_for("reviewer")
    evidence = cited(client, server.url("/jobs"), QUOTE, django_capture_on_commit_callbacks)
    snapshot = Snapshot.objects.get(link=evidence.link)
    url = reverse(
        "claims:evidence_snapshot_warc",
        kwargs={"pk": evidence.claim_id, "evidence_pk": evidence.pk, "snapshot_pk": snapshot.pk},
    )
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/warc"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "Content-Encoding" not in response
    data = b"".join(response.streaming_content)
    records = [
        (r.rec_type, r.rec_headers.get_header("WARC-Target-URI"), r.content_stream().read())
        for r in ArchiveIterator(io.BytesIO(data))
    ]
    assert records[0] == ("response", server.url("/jobs"), PAGE.encode())
    assert records[1][0] == "metadata"


@pytest.mark.django_db
def test_another_links_snapshot_is_not_shown(client_for):
    evidence, other = EvidenceFactory(), EvidenceFactory()
    foreign = Snapshot.objects.create(
        link=other.link, url=other.link.url, requested_at=timezone.now()
    )
    client = client_for("reviewer")
    assert client.get(page_url(evidence, snapshot=foreign.pk)).status_code == 404
    response = client.get(page_url(evidence))
    assert response.status_code == 200
    assert "No snapshot of this page yet." in response.content.decode()


# ------------------------------------------------------- a snapshot of any cited link, on request


def _cited(text="Read the audit report here."):
    from claims.models import CitedLink
    from tests.factories import ArticleFactory, LinkFactory

    article = ArticleFactory(text=text)
    link = LinkFactory(url="https://audit.example.org/report")
    return CitedLink.objects.create(
        article=article, link=link, href=link.url, anchor_text="here", start=22, end=26
    )


@pytest.mark.django_db
def test_a_reviewer_keeps_a_snapshot_of_any_cited_link(client_for):
    from audit.models import AuditEvent

    cited = _cited()
    client = client_for("reviewer")
    page = reverse("claims:article_detail", kwargs={"pk": cited.article_id})
    assert "Keep a snapshot" in client.get(page).content.decode()
    response = client.post(reverse("claims:cited_link_snapshot", kwargs={"pk": cited.pk}))
    assert response.status_code == 302 and response["Location"].endswith("#links-heading")
    [pending] = Snapshot.objects.filter(link=cited.link)
    assert pending.state == Snapshot.State.PENDING
    event = AuditEvent.objects.get(action="claims.cited_link.snapshot_requested")
    assert event.article_id == cited.article_id
    # Taken, the page says when; asked again while one is pending, no second row.
    client.post(reverse("claims:cited_link_snapshot", kwargs={"pk": cited.pk}))
    assert Snapshot.objects.filter(link=cited.link).count() == 1
    Snapshot.objects.filter(pk=pending.pk).update(
        state=Snapshot.State.DONE, fetched_at=timezone.make_aware(timezone.datetime(2026, 12, 1))
    )
    html = client.get(page).content.decode()
    assert "kept <time" in html and "1 Dec 2026" in html and "Keep again" in html


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["anonymous", "reader"])
def test_people_who_do_not_review_cannot_ask_for_snapshots(client_for, persona):
    cited = _cited()
    response = client_for(persona).post(
        reverse("claims:cited_link_snapshot", kwargs={"pk": cited.pk})
    )
    assert response.status_code in (302, 403)
    assert not Snapshot.objects.exists()
