"""Evidence snapshots over the API (api/snapshots.py), on pages served by a local HTTP
server: the quote check's outcomes, the text and fetch facts, the WARC file that warcio reads
back, a snapshot outliving its page, and asking for a snapshot of a cited link."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from warcio.archiveiterator import ArchiveIterator

from claims import services
from claims.models import CitedLink
from sources.models import Link, Snapshot
from tests.claims.test_snapshot_page import PAGE, QUOTE, eager_jobs, patch_setting, server
from tests.conftest import _persona_user
from tests.factories import ArticleFactory, ClaimFactory, EvidenceFactory, LinkFactory

__all__ = ["patch_setting", "server"]  # fixtures shared with the page's tests

pytestmark = pytest.mark.django_db


def _cite(url: str, quote: str, capture):
    user = _persona_user("reviewer")
    with eager_jobs(), capture(execute=True):
        return services.evidence_add(
            claim=ClaimFactory(), user=user, url=url, stance="refutes", quote=quote
        )


def _snapshots(api, evidence):
    return api.get(reverse("api:evidence-snapshots", kwargs={"pk": evidence.pk}))


def test_the_quote_is_found_and_the_snapshot_outlives_the_page(
    server, api_for, django_capture_on_commit_callbacks
):
    evidence = _cite(server.url("/jobs"), QUOTE, django_capture_on_commit_callbacks)
    server.stop()
    Link.objects.filter(pk=evidence.link_id).update(state=Link.State.DEAD)
    api = api_for("reviewer")
    response = _snapshots(api, evidence)
    assert response.status_code == 200
    body = response.json()
    snapshot = Snapshot.objects.get(link=evidence.link)
    assert body["evidence"] == evidence.pk
    assert body["quote_check"]["outcome"] == "found"
    assert body["quote_check"]["snapshot"] == snapshot.pk
    assert body["quote_check"]["differences"] is None
    [row] = body["snapshots"]
    assert row["state"] == "done" and row["status_code"] == 200
    assert row["etag"] == '"jobs-1"' and row["content_hash"] == snapshot.content_hash
    assert row["has_warc"] is True and "text" not in row
    # An ETag, and 304 when nothing changed.
    again = api.get(
        reverse("api:evidence-snapshots", kwargs={"pk": evidence.pk}),
        HTTP_IF_NONE_MATCH=response["ETag"],
    )
    assert again.status_code == 304
    detail = api.get(
        reverse(
            "api:evidence-snapshot-detail",
            kwargs={"pk": evidence.pk, "snapshot_pk": snapshot.pk},
        )
    ).json()
    assert QUOTE in detail["text"] and "<p>" not in detail["text"]
    assert detail["final_url"] == server.url("/jobs")


def test_a_quote_with_small_differences_comes_with_them(
    server, api_for, django_capture_on_commit_callbacks
):
    quote = "unemployment fell to 4.2 percent in March, the lowest level in six years"
    evidence = _cite(server.url("/jobs"), quote, django_capture_on_commit_callbacks)
    check = _snapshots(api_for("reviewer"), evidence).json()["quote_check"]
    assert check["outcome"] == "differs"
    ops = {(part["op"], part["text"].strip()) for part in check["differences"]}
    assert ("deleted", "4.2") in ops and ("inserted", "4.1") in ops


def test_a_quote_not_on_the_page_and_a_page_changed_since_cited(
    server, api_for, django_capture_on_commit_callbacks
):
    from tests.sources.httpserver import respond

    evidence = _cite(
        server.url("/jobs"), "inflation doubled overnight", django_capture_on_commit_callbacks
    )
    assert _snapshots(api_for("reviewer"), evidence).json()["quote_check"]["outcome"] == (
        "not_found"
    )
    # The page is cited with a passage that is on it; then the page is changed and the link
    # kept again: the passage is gone from the new copy.
    cited = _cite(server.url("/jobs"), QUOTE, django_capture_on_commit_callbacks)
    server.route("/jobs", respond(200, PAGE.replace("4.1 percent", "4.4 percent")))
    article = ArticleFactory()
    link_row = CitedLink.objects.create(
        article=article, link=cited.link, href=cited.link.url, start=0, end=1, anchor_text="x"
    )
    with eager_jobs(), django_capture_on_commit_callbacks(execute=True):
        response = api_for("reviewer").post(
            reverse("api:cited-link-snapshot", kwargs={"pk": link_row.pk})
        )
    assert response.status_code == 202
    assert response.json()["link"] == cited.link_id
    body = _snapshots(api_for("reviewer"), cited).json()
    assert len(body["snapshots"]) >= 2
    assert body["quote_check"]["outcome"] == "changed"


def test_the_warc_file_downloads_and_warcio_reads_it(
    server, api_for, django_capture_on_commit_callbacks
):
    evidence = _cite(server.url("/jobs"), QUOTE, django_capture_on_commit_callbacks)
    snapshot = Snapshot.objects.get(link=evidence.link)
    response = api_for("editor").get(
        reverse(
            "api:evidence-snapshot-warc", kwargs={"pk": evidence.pk, "snapshot_pk": snapshot.pk}
        )
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/warc"
    assert response["Content-Disposition"].startswith("attachment;")
    data = b"".join(response.streaming_content)
    records = [
        (r.rec_type, r.rec_headers.get_header("WARC-Target-URI"))
        for r in ArchiveIterator(io.BytesIO(data))
    ]
    assert ("response", server.url("/jobs")) in records


def test_another_claims_snapshot_or_no_warc_is_not_found(
    server, api_for, django_capture_on_commit_callbacks
):
    evidence = _cite(server.url("/jobs"), QUOTE, django_capture_on_commit_callbacks)
    other = Snapshot.objects.create(
        link=LinkFactory(), url="https://example.org/", requested_at=evidence.created_at
    )
    api = api_for("reviewer")
    url = reverse(
        "api:evidence-snapshot-detail", kwargs={"pk": evidence.pk, "snapshot_pk": other.pk}
    )
    assert api.get(url).status_code == 404
    Snapshot.objects.filter(link=evidence.link).update(warc_name="")
    snapshot = Snapshot.objects.get(link=evidence.link)
    warc = reverse(
        "api:evidence-snapshot-warc", kwargs={"pk": evidence.pk, "snapshot_pk": snapshot.pk}
    )
    response = api.get(warc)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/problem+json")
    assert api.get(reverse("api:evidence-snapshots", kwargs={"pk": 999999})).status_code == 404


def test_evidence_without_a_snapshot_has_no_check(api_for):
    evidence = EvidenceFactory()
    body = _snapshots(api_for("reviewer"), evidence).json()
    assert body == {"evidence": evidence.pk, "quote_check": None, "snapshots": []}
