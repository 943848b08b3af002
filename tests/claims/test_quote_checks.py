"""Quote verification: each piece of evidence's quoted passage looked for in the snapshot of
its page, served by the project's local test server and fetched through the real fetcher;
every outcome, and how the claim page shows it."""

from __future__ import annotations

import contextlib

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import AuditEvent
from claims import services
from claims.quotes import locate, normalise, quote_checks
from factcheck.celery_app import app
from factcheck.lib.versions import NO_VERSION_CHECK
from sources.models import Snapshot
from sources.services import snapshots
from tests.factories import ClaimFactory, rating_level
from tests.sources.httpserver import LocalHTTPServer, respond

PAGE = """<!doctype html><html><head><title>Jobs report</title></head><body>
<nav>Home | World | Business</nav><article><h1>Jobs report</h1>
<p>The national statistics office said on Friday that unemployment fell to 4.1 percent in
March \u2013 the lowest level in six years \u2013 as hiring picked up in construction and
retail.</p><p>\u201cWe are seeing a broad recovery,\u201d the office\u2019s chief economist told
reporters, adding that
wages rose 3.2 percent on the year, outpacing inflation for the ninth month in a row.</p>
</article></body></html>"""

EDITED = PAGE.replace("fell to 4.1 percent", "was 4.4 percent").replace("lowest", "highest")


@pytest.fixture
def patch_setting(monkeypatch):
    def patch(name: str, value) -> None:
        monkeypatch.setattr(django_settings, name, value, raising=False)

    return patch


@pytest.fixture
def server(patch_setting, tmp_path):
    """The page, served on loopback and allow-listed for the fetcher's guard; snapshot
    files in a fresh folder."""
    patch_setting("FACTCHECK_SNAPSHOT_STORAGE", "snapshots-under-test")
    patch_setting("FACTCHECK_SNAPSHOT_DIR", tmp_path / "snapshots")
    patch_setting("FACTCHECK_SNAPSHOT_ON_CITE", True)
    patch_setting("FACTCHECK_FETCH_TOTAL_TIMEOUT", 5.0)
    with LocalHTTPServer() as local:
        patch_setting("FACTCHECK_FETCH_ALLOW_HOSTS", [f"{local.host}:{local.port}"])
        local.route("/jobs", respond(200, PAGE))
        yield local


@contextlib.contextmanager
def eager_jobs():
    was = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = was


def cite(claim, user, url, quote, capture):
    """Evidence added as a reviewer does; its snapshot job runs when it commits."""
    with eager_jobs(), capture(execute=True):
        return services.evidence_add(claim=claim, user=user, url=url, stance="refutes", quote=quote)


def check_of(evidence):
    return quote_checks([evidence]).get(evidence.pk)


def page_of(client, claim) -> str:
    response = client.get(reverse("claims:claim_detail", kwargs={"pk": claim.pk}))
    assert response.status_code == 200
    return response.content.decode()


def test_normalising_makes_quotes_dashes_and_spaces_plain():
    typed = "\u201cIt\u2019s  here\u201d\n\u2014 now \u2013 or\u00a0never"
    assert normalise(typed) == '"It\'s here" - now - or never'
    assert locate("fell to 4.1 percent in March - the lowest", PAGE.replace("\n", " ")).exact


@pytest.mark.django_db
def test_found_despite_typographic_quotes_dashes_and_line_breaks(
    server, reviewer, client_for, django_capture_on_commit_callbacks
):
    claim = ClaimFactory()
    quote = "unemployment fell to 4.1 percent in March - the lowest level in six years"
    evidence = cite(claim, reviewer, server.url("/jobs"), quote, django_capture_on_commit_callbacks)
    check = check_of(evidence)
    assert check.outcome == "found" and check.snapshot.state == Snapshot.State.DONE
    html = page_of(client_for("reviewer"), claim)
    assert 'class="quote-check quote-check-found"' in html
    assert "Quote found on the page" in html


@pytest.mark.django_db
def test_found_with_differences_shows_them(
    server, reviewer, client_for, django_capture_on_commit_callbacks
):
    claim = ClaimFactory()
    quote = '"We are seeing a broad economic recovery," the office\'s chief economist told'
    evidence = cite(claim, reviewer, server.url("/jobs"), quote, django_capture_on_commit_callbacks)
    check = check_of(evidence)
    assert check.outcome == "differs"
    deleted = "".join(s.text for s in check.diff if s.is_deleted)
    inserted = "".join(s.text for s in check.diff if s.is_inserted)
    assert deleted.strip() == "economic" and inserted == ""
    html = page_of(client_for("reviewer"), claim)
    assert "Quote found with differences" in html
    assert '<del><span class="visually-hidden">[deleted: </span>economic' in html


@pytest.mark.django_db
def test_not_found(server, reviewer, client_for, django_capture_on_commit_callbacks):
    claim = ClaimFactory()
    quote = "The unemployment rate rose sharply to 9 percent in the south of the country"
    evidence = cite(claim, reviewer, server.url("/jobs"), quote, django_capture_on_commit_callbacks)
    assert check_of(evidence).outcome == "not_found"
    assert "Quote not found on the page" in page_of(client_for("reviewer"), claim)


@pytest.mark.django_db
def test_page_changed_since_cited(server, reviewer, client_for, django_capture_on_commit_callbacks):
    claim = ClaimFactory()
    quote = "unemployment fell to 4.1 percent in March"
    evidence = cite(claim, reviewer, server.url("/jobs"), quote, django_capture_on_commit_callbacks)
    assert check_of(evidence).outcome == "found"
    # The page is edited; a later snapshot (the link cited again) no longer has the quote.
    server.route("/jobs", respond(200, EDITED))
    later = snapshots.snapshot_take(snapshot_id=snapshots.snapshot_request(link=evidence.link).pk)
    first = Snapshot.objects.filter(link=evidence.link).order_by("requested_at", "id").first()
    assert later.content_hash != first.content_hash
    assert check_of(evidence).outcome == "changed"
    assert "Page changed since cited" in page_of(client_for("reviewer"), claim)


@pytest.mark.django_db
def test_a_later_snapshot_with_the_same_text_is_still_found(
    server, reviewer, django_capture_on_commit_callbacks
):
    claim = ClaimFactory()
    quote = "unemployment fell to 4.1 percent in March"
    evidence = cite(claim, reviewer, server.url("/jobs"), quote, django_capture_on_commit_callbacks)
    snapshots.snapshot_take(snapshot_id=snapshots.snapshot_request(link=evidence.link).pk)
    assert Snapshot.objects.filter(link=evidence.link).count() == 2
    assert check_of(evidence).outcome == "found"


@pytest.mark.django_db
def test_pending_and_storage_failure_are_said_on_the_claim_page(
    server,
    reviewer,
    client_for,
    patch_setting,
    tmp_path,
    django_capture_on_commit_callbacks,
):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    patch_setting("FACTCHECK_SNAPSHOT_DIR", blocker / "snapshots")
    claim = ClaimFactory()
    evidence = cite(
        claim,
        reviewer,
        server.url("/jobs"),
        "fell to 4.1 percent",
        django_capture_on_commit_callbacks,
    )
    check = check_of(evidence)
    assert check.outcome == "pending" and "will be retried" in check.detail
    html = page_of(client_for("reviewer"), claim)
    assert "Snapshot not taken yet" in html and "it will be retried" in html


@pytest.mark.django_db
def test_a_page_that_cannot_be_fetched_says_so(
    server, reviewer, django_capture_on_commit_callbacks
):
    claim = ClaimFactory()
    evidence = cite(
        claim,
        reviewer,
        server.url("/missing"),
        "fell to 4.1 percent",
        django_capture_on_commit_callbacks,
    )
    check = check_of(evidence)
    # The 404 page is kept (what the link showed) as a failed snapshot: nothing to look in.
    assert check.snapshot.status_code == 404 and check.snapshot.body_name
    assert check.outcome == "unavailable" and check.detail == "HTTP 404"


@pytest.mark.django_db
def test_unreachable_page_is_unavailable(
    reviewer,
    patch_setting,
    tmp_path,
    django_capture_on_commit_callbacks,
):
    patch_setting("FACTCHECK_SNAPSHOT_DIR", tmp_path / "snapshots")
    patch_setting("FACTCHECK_SNAPSHOT_ON_CITE", True)
    patch_setting("FACTCHECK_FETCH_ALLOW_HOSTS", [])
    claim = ClaimFactory()
    evidence = cite(
        claim,
        reviewer,
        "http://127.0.0.1:9/x",
        "fell to 4.1 percent",
        django_capture_on_commit_callbacks,
    )
    check = check_of(evidence)
    assert check.outcome == "unavailable" and check.detail.startswith("unsafe:")


@pytest.mark.django_db
def test_evidence_without_a_passage_has_no_check(
    server, reviewer, django_capture_on_commit_callbacks
):
    claim = ClaimFactory()
    evidence = cite(claim, reviewer, server.url("/jobs"), "", django_capture_on_commit_callbacks)
    assert check_of(evidence) is None


def test_small_differences_are_found_and_short_or_distant_passages_are_not():
    page = normalise(PAGE)
    typo = locate("unemployment fell to 4.1 per cent in March, the lowest level", page)
    assert typo is not None and not typo.exact and typo.score >= 90
    assert typo.passage.startswith("unemployment fell to 4.1 percent")
    # Capitals are no difference (a quote often starts mid-sentence); with "per cent" it is.
    assert locate("Unemployment fell to 4.1 percent in March", page).exact
    capital = locate("Unemployment fell to 4.1 per cent in March, the lowest level", page)
    assert capital is not None and not capital.exact
    assert locate("fell to 4.2", page) is None  # short: exact only
    assert locate("inflation rose to 9 percent in the capital last spring", page) is None


# ------------------------------------------------------ submitting with a quote not found


def _in_review_with_draft(claim, user):
    services.claim_start_review(claim=claim, user=user, version=NO_VERSION_CHECK)
    services.verdict_save(
        claim=claim,
        user=user,
        rating=rating_level("false"),
        summary="The rate did not rise.",
        rationale="The statistics office says it fell.",
        version=NO_VERSION_CHECK,
    )
    claim.refresh_from_db()
    return claim


@pytest.mark.django_db
def test_a_quote_not_found_blocks_submitting_unless_a_reason_is_given(
    server, reviewer, django_capture_on_commit_callbacks
):
    claim = ClaimFactory()
    url = server.url("/jobs")
    quote = "The unemployment rate rose sharply to 9 percent in the south of the country"
    cite(claim, reviewer, url, quote, django_capture_on_commit_callbacks)
    claim = _in_review_with_draft(claim, reviewer)
    with pytest.raises(ValidationError) as refused:
        services.claim_submit_for_approval(claim=claim, user=reviewer, version=claim.version)
    assert refused.value.error_dict["quote_reason"][0].code == "quote_not_found"
    assert url in " ".join(refused.value.messages)
    claim.refresh_from_db()
    assert claim.status == "in_review"

    services.claim_submit_for_approval(
        claim=claim,
        user=reviewer,
        version=claim.version,
        quote_reason="The page was rewritten; the archived copy has the passage.",
    )
    claim.refresh_from_db()
    assert claim.status == "awaiting_approval"
    event = AuditEvent.objects.filter(claim_id=claim.pk, action="claims.verdict.submitted").get()
    assert event.actor == reviewer
    assert event.changes["quotes_not_found"] == [url]
    assert event.changes["quote_reason"].startswith("The page was rewritten")


@pytest.mark.django_db
def test_quotes_found_or_not_checked_yet_do_not_block(
    server, reviewer, django_capture_on_commit_callbacks
):
    claim = ClaimFactory()
    cite(
        claim,
        reviewer,
        server.url("/jobs"),
        "fell to 4.1 percent",
        django_capture_on_commit_callbacks,
    )
    # Another link whose snapshot is still pending (its job never ran).
    services.evidence_add(
        claim=claim, user=reviewer, url=server.url("/later"), stance="context", quote="nothing"
    )
    claim = _in_review_with_draft(claim, reviewer)
    services.claim_submit_for_approval(claim=claim, user=reviewer, version=claim.version)
    claim.refresh_from_db()
    assert claim.status == "awaiting_approval"
    event = AuditEvent.objects.filter(claim_id=claim.pk, action="claims.verdict.submitted").get()
    assert "quote_reason" not in event.changes


@pytest.mark.django_db
def test_the_claim_page_asks_for_the_reason_when_submitting(
    server, client_for, django_capture_on_commit_callbacks
):
    client = client_for("reviewer")
    user = get_user_model().objects.get(pk=client.session["_auth_user_id"])
    claim = ClaimFactory()
    quote = "The unemployment rate rose sharply to 9 percent in the south of the country"
    cite(claim, user, server.url("/jobs"), quote, django_capture_on_commit_callbacks)
    claim = _in_review_with_draft(claim, user)
    html = page_of(client, claim)
    assert 'name="quote_reason"' in html and "quote-not-found" in html

    submit = reverse("claims:claim_submit", kwargs={"pk": claim.pk})
    response = client.post(submit, {"version": claim.version})
    assert response.status_code == 400
    assert "was not found on its page" in response.content.decode()
    response = client.post(submit, {"version": claim.version, "quote_reason": "Archived copy."})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == "awaiting_approval"
    page_of(client, claim)  # the history shows the submission with its reason


@pytest.mark.django_db
def test_evidence_cited_before_snapshots_existed_gets_one_from_the_sweep(
    server, django_capture_on_commit_callbacks
):
    from claims.services.snapshots import evidence_snapshots_request
    from tests.factories import EvidenceFactory, LinkFactory

    old = EvidenceFactory(link=LinkFactory(url=server.url("/jobs")), quote="fell to 4.1 percent")
    assert not Snapshot.objects.filter(link=old.link).exists()
    with eager_jobs(), django_capture_on_commit_callbacks(execute=True):
        assert evidence_snapshots_request() == 1
    assert check_of(old).outcome == "found"
    assert evidence_snapshots_request() == 0  # it has one now
    assert "claims.evidence_snapshots_sweep" in app.tasks
