"""Claimants, appearances, sources written by admins and a link's check history through
the API: the same services as the web's forms (roles, versions, audit events)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from claims.models import Appearance, Claim, Claimant
from sources.models import Source
from tests.api.test_writes import assert_problem
from tests.factories import (
    ClaimFactory,
    LinkCheckFactory,
    LinkFactory,
    SourceFactory,
    published_claim,
)

pytestmark = pytest.mark.django_db


# ------------------------------------------------------------------------------ claimants


def test_claimants_are_listed_by_name_and_searched_by_alias(api_for):
    Claimant.objects.create(name="Zoe Smith")
    Claimant.objects.create(name="Adam Jones", aliases=["The Minister"])
    api = api_for("reviewer")
    rows = api.get(reverse("api:claimant-list")).json()["results"]
    assert [row["name"] for row in rows] == ["Adam Jones", "Zoe Smith"]
    found = api.get(reverse("api:claimant-list"), {"q": "minister"}).json()["results"]
    assert [row["name"] for row in found] == ["Adam Jones"]


def test_the_claimant_list_pages_with_a_cursor(api_for):
    for n in range(3):
        Claimant.objects.create(name=f"Person {n}")
    api = api_for("reviewer")
    first = api.get(reverse("api:claimant-list"), {"page_size": 2}).json()
    assert [row["name"] for row in first["results"]] == ["Person 0", "Person 1"]
    second = api.get(first["next"]).json()
    assert [row["name"] for row in second["results"]] == ["Person 2"]


def test_a_claimant_lists_its_claims(api_for):
    claimant = Claimant.objects.create(name="Jane Roe")
    claims = [ClaimFactory(claimant=claimant) for _ in range(2)]
    ClaimFactory()  # someone else's
    response = api_for("reviewer").get(reverse("api:claimant-detail", kwargs={"pk": claimant.pk}))
    assert response.status_code == 200
    body = response.json()
    assert {row["id"] for row in body["claims"]} == {claim.pk for claim in claims}
    assert body["claims_truncated"] is False
    assert body["claims"][0]["detail"].startswith("http://testserver/api/v1/claims/")
    assert response["ETag"]


def test_a_reviewer_sets_who_said_a_claim(api_for):
    claimant = Claimant.objects.create(name="Jane Roe")
    claim = ClaimFactory()
    url = reverse("api:claim-claimant", kwargs={"pk": claim.pk})
    response = api_for("reviewer").put(
        url, {"claimant": claimant.pk, "version": claim.version}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["claimant"]["name"] == "Jane Roe"
    claim.refresh_from_db()
    assert claim.claimant == claimant and claim.version == 2
    assert AuditEvent.objects.filter(action="claims.claim.claimant_changed").count() == 1


def test_setting_a_claimant_needs_its_version(api_for):
    claim = ClaimFactory()
    url = reverse("api:claim-claimant", kwargs={"pk": claim.pk})
    api = api_for("reviewer")
    claimant = Claimant.objects.create(name="Jane Roe")
    assert_problem(api.put(url, {"claimant": claimant.pk}, format="json"), 428, "version_required")
    assert_problem(
        api.put(url, {"claimant": claimant.pk, "version": 7}, format="json"), 409, "conflict"
    )
    assert_problem(
        api.put(url, {"claimant": claimant.pk}, format="json", HTTP_IF_MATCH='"stale"'),
        412,
        "precondition_failed",
    )
    claim.refresh_from_db()
    assert claim.claimant is None and claim.version == 1


def test_an_unknown_claimant_is_a_field_error(api_for):
    claim = ClaimFactory()
    url = reverse("api:claim-claimant", kwargs={"pk": claim.pk})
    body = assert_problem(
        api_for("reviewer").put(url, {"claimant": 999999, "version": 1}, format="json"),
        400,
        "invalid",
    )
    assert body["errors"][0]["field"] == "claimant"
    claim.refresh_from_db()
    assert claim.version == 1


def test_on_a_published_claim_only_an_editor_sets_the_claimant(api_for):
    claim = published_claim()
    claimant = Claimant.objects.create(name="Jane Roe")
    url = reverse("api:claim-claimant", kwargs={"pk": claim.pk})
    body = {"claimant": claimant.pk, "version": claim.version}
    assert_problem(api_for("reviewer").put(url, body, format="json"), 403, "permission_denied")
    assert api_for("editor").put(url, body, format="json").status_code == 200
    assert Claim.objects.get(pk=claim.pk).claimant == claimant


def test_a_reader_may_not_list_claimants(api_for):
    assert_problem(api_for("reader").get(reverse("api:claimant-list")), 403, "permission_denied")


# ---------------------------------------------------------------------------- appearances


def _primary(claim) -> Appearance:
    return Appearance.objects.create(
        claim=claim,
        kind="article",
        is_primary=True,
        article=claim.article,
        start=claim.start,
        end=claim.end,
    )


def test_a_reviewer_adds_and_removes_a_spoken_appearance(api_for):
    claim = ClaimFactory()
    _primary(claim)
    api = api_for("reviewer")
    url = reverse("api:claim-appearances", kwargs={"pk": claim.pk})
    response = api.post(
        url,
        {
            "kind": "spoken",
            "medium": "radio",
            "programme": "Morning Show",
            "timestamp": "00:12:30",
            "said_on": "2026-03-01",
            "version": 1,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    added = response.json()
    assert added["medium"] == "radio" and added["said_on"] == "2026-03-01"
    listed = api.get(url).json()
    assert [row["kind"] for row in listed] == ["article", "spoken"]
    remove = reverse("api:appearance-remove", kwargs={"pk": added["id"]})
    assert api.post(remove, {"version": 2}, format="json").status_code == 204
    assert not Appearance.objects.filter(pk=added["id"]).exists()
    assert AuditEvent.objects.filter(action="claims.appearance.removed").count() == 1


def test_an_appearance_missing_what_its_kind_needs_is_refused(api_for):
    claim = ClaimFactory()
    url = reverse("api:claim-appearances", kwargs={"pk": claim.pk})
    api = api_for("reviewer")
    body = assert_problem(
        api.post(url, {"kind": "web", "version": 1}, format="json"), 400, "invalid"
    )
    assert body["errors"][0]["field"] == "url"
    body = assert_problem(
        api.post(url, {"kind": "article", "version": 1}, format="json"), 400, "invalid"
    )
    assert body["errors"][0]["field"] == "kind"
    assert_problem(
        api.post(
            url, {"kind": "spoken", "medium": "tv", "timestamp": "1:2", "version": 1}, format="json"
        ),
        400,
        "invalid",
    )
    assert not claim.appearances.exists()
    assert Claim.objects.get(pk=claim.pk).version == 1


def test_adding_an_appearance_is_versioned(api_for):
    claim = ClaimFactory()
    url = reverse("api:claim-appearances", kwargs={"pk": claim.pk})
    api = api_for("reviewer")
    data = {"kind": "other", "description": "A leaflet."}
    assert_problem(api.post(url, data, format="json"), 428, "version_required")
    assert_problem(api.post(url, {**data, "version": 5}, format="json"), 409, "conflict")
    etag = api.get(reverse("api:claim-detail", kwargs={"pk": claim.pk}))["ETag"]
    assert api.post(url, data, format="json", HTTP_IF_MATCH=etag).status_code == 201
    assert_problem(
        api.post(url, data, format="json", HTTP_IF_MATCH=etag), 412, "precondition_failed"
    )
    assert claim.appearances.count() == 1


def test_the_primary_appearance_cannot_be_removed(api_for):
    claim = ClaimFactory()
    primary = _primary(claim)
    url = reverse("api:appearance-remove", kwargs={"pk": primary.pk})
    body = assert_problem(
        api_for("reviewer").post(url, {"version": 1}, format="json"), 400, "invalid"
    )
    assert "first appearance" in body["detail"]
    assert Appearance.objects.filter(pk=primary.pk).exists()


def test_a_reader_may_not_add_appearances(api_for):
    claim = ClaimFactory()
    url = reverse("api:claim-appearances", kwargs={"pk": claim.pk})
    response = api_for("reader").post(
        url, {"kind": "other", "description": "x", "version": 1}, format="json"
    )
    assert_problem(response, 403, "permission_denied")
    assert not claim.appearances.exists()


# -------------------------------------------------------------------------------- sources


def test_an_admin_creates_a_source_with_domains_and_rating(api_for):
    response = api_for("admin").post(
        reverse("api:source-list"),
        {
            "name": "Daily Bugle",
            "kind": "news",
            "domains": ["dailybugle.example"],
            "rating": "high",
            "rating_rationale": "Corrects promptly.",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["domains"] == ["dailybugle.example"] and body["rating"] == "high"
    assert response["Location"] == body["detail"]
    assert AuditEvent.objects.filter(action="sources.source.created").count() == 1


def test_a_source_without_a_name_or_with_a_taken_one_is_refused(api_for):
    SourceFactory(name="Daily Bugle")
    api = api_for("admin")
    body = assert_problem(api.post(reverse("api:source-list"), {}, format="json"), 400, "invalid")
    assert "name" in {error["field"] for error in body["errors"]}
    body = assert_problem(
        api.post(reverse("api:source-list"), {"name": "daily bugle"}, format="json"),
        400,
        "invalid",
    )
    assert body["errors"][0]["field"] == "name"
    assert Source.objects.count() == 1


def test_an_editor_may_not_create_a_source(api_for):
    response = api_for("editor").post(reverse("api:source-list"), {"name": "X"}, format="json")
    assert_problem(response, 403, "permission_denied")
    assert not Source.objects.exists()


def test_an_admin_changes_a_source_from_its_version(api_for):
    source = SourceFactory(name="Daily Bugle")
    api = api_for("admin")
    url = reverse("api:source-detail", kwargs={"pk": source.pk})
    response = api.patch(url, {"notes": "Local daily.", "version": 1}, format="json")
    assert response.status_code == 200, response.content
    source.refresh_from_db()
    assert source.notes == "Local daily." and source.version == 2 and source.name == "Daily Bugle"
    assert_problem(api.patch(url, {"notes": "Old."}, format="json"), 428, "version_required")
    body = assert_problem(
        api.patch(url, {"notes": "Old.", "version": 1}, format="json"), 409, "conflict"
    )
    assert body["errors"]
    assert_problem(
        api.patch(url, {"notes": "Old."}, format="json", HTTP_IF_MATCH='"older"'),
        412,
        "precondition_failed",
    )
    etag = api.get(url)["ETag"]
    assert (
        api.patch(url, {"name": "The Bugle"}, format="json", HTTP_IF_MATCH=etag).status_code == 200
    )
    source.refresh_from_db()
    assert source.notes == "Local daily." and source.name == "The Bugle"


# ---------------------------------------------------------------------------------- links


def test_a_links_checks_come_newest_first_with_a_cursor(api_for):
    link = LinkFactory()
    now = timezone.now()
    old = LinkCheckFactory(link=link, checked_at=now - timedelta(days=2), outcome="timeout")
    new = LinkCheckFactory(link=link, checked_at=now, status=404, outcome="not_found")
    LinkCheckFactory()  # another link's
    api = api_for("reviewer")
    url = reverse("api:link-checks", kwargs={"pk": link.pk})
    first = api.get(url, {"page_size": 1}).json()
    assert [row["id"] for row in first["results"]] == [new.pk]
    assert first["results"][0]["status"] == 404
    second = api.get(first["next"]).json()
    assert [row["id"] for row in second["results"]] == [old.pk]


def test_an_unknown_links_checks_are_a_404(api_for):
    assert_problem(
        api_for("reviewer").get(reverse("api:link-checks", kwargs={"pk": 999999})),
        404,
        "not_found",
    )
