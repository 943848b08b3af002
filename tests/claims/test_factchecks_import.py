"""Importing other organisations' fact-checks from ClaimReview (claims.services.factchecks).

Pages are served by a local server on 127.0.0.1 started by the test; nothing leaves the
machine."""

from __future__ import annotations

import json
import tempfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from audit.models import AuditEvent
from claims.models import ExternalFactCheck
from claims.services.factchecks import (
    FactCheckImportError,
    factchecks_import,
    factchecks_import_url,
)
from tests.sources.httpserver import LocalHTTPServer, respond

pytestmark = pytest.mark.django_db


def review(n: int = 1, **extra) -> dict:
    item = {
        "@type": "ClaimReview",
        "url": f"https://checker.example/fact-check/{n}/",
        "claimReviewed": f"The moon is made of cheese number {n}.",
        "headline": f"Is the moon cheese {n}?",
        "reviewBody": "No, it is rock.",
        "author": {"@type": "Organization", "name": "Checker", "url": "https://checker.example/"},
        "datePublished": "2021-03-06T10:00:00Z",
        "reviewRating": {"@type": "Rating", "alternateName": "False", "ratingValue": "1",
                         "bestRating": 5, "worstRating": 1},
        "itemReviewed": {"@type": "Claim", "author": {"@type": "Person", "name": "Jane Doe"}},
    }  # fmt: skip
    item.update(extra)
    return item


def feed(*items) -> bytes:
    return json.dumps(
        {
            "@context": "https://schema.org",
            "@type": "DataFeed",
            "dataFeedElement": [{"@type": "DataFeedItem", "item": [i]} for i in items],
        }
    ).encode()


def test_datafeed_imports_every_field():
    report = factchecks_import(data=feed(review(1), review(2)))
    assert (report.created, report.updated, report.problems) == (2, 0, [])
    row = ExternalFactCheck.objects.get(url="https://checker.example/fact-check/1/")
    assert row.claim_reviewed == "The moon is made of cheese number 1."
    assert row.headline == "Is the moon cheese 1?"
    assert row.summary == "No, it is rock."
    assert (row.rating, row.rating_value, row.rating_best, row.rating_worst) == ("False", 1, 5, 1)
    assert (row.publisher_name, row.publisher_url) == ("Checker", "https://checker.example/")
    assert row.date_published.isoformat() == "2021-03-06"
    assert row.claimant == "Jane Doe"
    assert row.raw["headline"] == "Is the moon cheese 1?"
    assert row.version == 1
    assert AuditEvent.objects.filter(action="claims.external_factcheck.imported").count() == 2


def test_array_and_single_object():
    assert factchecks_import(data=json.dumps([review(1), review(2)])).created == 2
    assert factchecks_import(data=json.dumps(review(3))).created == 1
    assert ExternalFactCheck.objects.count() == 3


def test_missing_review_rating_is_unknown_and_publisher_option_fills_in():
    item = review(1)
    del item["reviewRating"], item["author"]
    factchecks_import(data=json.dumps(item), publisher="Snopes")
    row = ExternalFactCheck.objects.get()
    assert row.rating == "" and row.rating_label == "unknown" and row.rating_value is None
    assert row.publisher_name == "Snopes"


def test_reimport_updates_in_place_with_history():
    factchecks_import(data=feed(review(1), review(2)))
    first = ExternalFactCheck.objects.get(url="https://checker.example/fact-check/1/")
    changed = review(1, reviewRating={"alternateName": "Mostly false"})
    report = factchecks_import(data=feed(changed, review(2)))
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    row = ExternalFactCheck.objects.get(pk=first.pk)
    assert row.rating == "Mostly false" and row.version == 2
    event = AuditEvent.objects.get(action="claims.external_factcheck.updated")
    assert event.target_id == row.pk
    assert event.changes["rating"] == ["False", "Mostly false"]
    assert ExternalFactCheck.objects.count() == 2


def test_bad_items_are_reported_with_position_and_the_rest_import():
    items = [review(1), {"@type": "ClaimReview", "headline": "no url"}, "text",
             review(4, url="ftp://x.example/"), {"@type": "Article", "url": "https://a.example/"},
             review(1), review(7)]  # fmt: skip
    report = factchecks_import(data=feed(*items))
    assert report.created == 2
    problems = {p.position: p.reason for p in report.problems}
    assert problems[2] == "no url"
    assert "expected a ClaimReview object" in problems[3]
    assert "not a web address" in problems[4]
    assert "not a ClaimReview" in problems[5]
    assert problems[6] == "same url as item 1"
    assert str(report.problems[0]).startswith("item 2 (dataFeedElement[1].item[0])")


def test_malformed_json_is_a_clear_error():
    with pytest.raises(FactCheckImportError, match=r"not valid JSON: .* line 1, column"):
        factchecks_import(data=b'{"@type": "DataFeed", ')
    with pytest.raises(CommandError, match="not valid JSON"):
        _command_on(b"[1,")


def _command_on(data: bytes):
    with tempfile.NamedTemporaryFile(suffix=".json") as handle:
        handle.write(data)
        handle.flush()
        call_command("import_factchecks", handle.name)


def test_oversize_is_refused_whole(settings):
    settings.FACTCHECK_FACTCHECK_IMPORT_MAX_BYTES = 100
    with pytest.raises(FactCheckImportError, match="larger than the import limit"):
        factchecks_import(data=feed(review(1)))
    assert not ExternalFactCheck.objects.exists()


def test_command_imports_a_file(tmp_path, capsys):
    path = tmp_path / "feed.json"
    path.write_bytes(feed(review(1), {"@type": "ClaimReview"}))
    call_command("import_factchecks", str(path), "--publisher", "Checker")
    out, err = capsys.readouterr()
    assert "1 imported" in out and "1 refused" in out
    assert "item 2" in err


PAGE = """<!doctype html><html><head><title>Fact check</title>
<script type="application/ld+json">{"@context": "https://schema.org", "@graph": [
 {"@type": "WebPage", "name": "x"},
 {"@type": "ClaimReview", "claimReviewed": "Bananas cure colds.",
  "headline": "Do bananas cure colds?",
  "author": {"@type": "Organization", "name": "Page Checker"},
  "reviewRating": {"@type": "Rating", "alternateName": "False"}}]}</script>
<script type="application/ld+json">[{"@type": "ClaimReview", "url": "https://other.example/r/2",
  "claimReviewed": "Second claim.", "headline": "Second"}]</script>
<script type="application/ld+json">{not json</script>
</head><body><p>Text</p></body></html>"""


@pytest.fixture
def server(settings):
    with LocalHTTPServer() as local:
        settings.FACTCHECK_FETCH_ALLOW_HOSTS = [f"{local.host}:{local.port}"]
        yield local


def test_page_json_ld_fetched_through_the_guarded_fetcher(server):
    server.route("/fact-check/bananas", respond(200, PAGE))
    url = f"http://{server.host}:{server.port}/fact-check/bananas"
    report = factchecks_import_url(url=url)
    assert report.created == 2
    row = ExternalFactCheck.objects.get(claim_reviewed="Bananas cure colds.")
    assert row.url == url  # no url in the markup: the page's
    assert (row.rating, row.publisher_name) == ("False", "Page Checker")
    assert ExternalFactCheck.objects.filter(url="https://other.example/r/2").exists()
    assert any("not valid JSON" in p.reason for p in report.problems)


def test_page_without_claimreview_and_unreachable_page_are_clear_errors(server):
    server.route("/plain", respond(200, "<html><body>nothing</body></html>"))
    with pytest.raises(FactCheckImportError, match="no ClaimReview"):
        factchecks_import_url(url=f"http://{server.host}:{server.port}/plain")
    with pytest.raises(FactCheckImportError):
        factchecks_import_url(url=f"http://{server.host}:{server.port}/missing")


def test_admin_upload_page(client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    url = reverse("admin:claims_externalfactcheck_import")
    admin = client_for("admin")
    assert admin.get(url).status_code == 200
    upload = SimpleUploadedFile("feed.json", feed(review(1), {"@type": "ClaimReview"}))
    response = admin.post(url, {"file": upload, "publisher": "Checker"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "1 imported" in html and "item 2" in html
    bad = admin.post(url, {"file": SimpleUploadedFile("bad.json", b"{oops")})
    assert "not valid JSON" in bad.content.decode()
    assert client_for("reviewer").get(url).status_code in (302, 403)
