"""Claimants (who said it) and appearances (where and when), issue 15: models, services,
versions (400/409), audit, merging claimants, the primary appearance kept in step with
ingestion's re-anchoring, the claim page's forms, and migration 0017 both ways."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from audit.models import AuditEvent
from claims import services
from claims.models import Appearance, Claim, Claimant
from factcheck.lib.versions import ConflictError, VersionMissing
from tests.claims.test_ingest import URL, V1, V2
from tests.conftest import PERSONAS
from tests.factories import ArticleFactory, ClaimFactory, published_claim
from tests.migrations import migrate_to

pytestmark = pytest.mark.django_db


def _fresh(claim: Claim) -> Claim:
    return Claim.objects.get(pk=claim.pk)


# ------------------------------------------------------------------------------ models


def test_wikidata_id_must_be_a_q_number():
    for bad in ("42", "Q0", "q42x", "P31"):
        with pytest.raises(ValidationError):
            Claimant(name="X", wikidata_id=bad).full_clean()
    Claimant(name="Douglas Adams", wikidata_id="Q42").full_clean()


def test_aliases_are_a_list_of_names():
    with pytest.raises(ValidationError):
        Claimant(name="X", aliases="not a list").full_clean()
    Claimant(name="X", aliases=["Y", "Z"]).full_clean()


def test_search_finds_by_name_and_alias_in_any_case():
    jane = Claimant.objects.create(name="Jane Minister", aliases=["The Health Minister"])
    Claimant.objects.create(name="Someone Else")
    assert list(Claimant.objects.search("jane")) == [jane]
    assert list(Claimant.objects.search("health minister")) == [jane]
    assert not Claimant.objects.search("").exists()


def test_appearance_kinds_need_their_fields():
    claim = ClaimFactory()
    for fields in (
        {"kind": "web"},
        {"kind": "spoken"},
        {"kind": "other"},
        {"kind": "article"},
        {"kind": "web", "url": "https://x.example/", "is_primary": True},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            Appearance.objects.create(claim=claim, **fields)


def test_one_primary_appearance_per_claim():
    claim = ClaimFactory()
    services.primary_appearances_follow([claim])
    with pytest.raises(IntegrityError), transaction.atomic():
        Appearance.objects.create(
            claim=claim, kind="article", is_primary=True, article=claim.article, start=0, end=3
        )


def test_timestamp_is_hh_mm_ss():
    claim = ClaimFactory()
    with pytest.raises(ValidationError):
        Appearance(claim=claim, kind="spoken", medium="tv", timestamp="1:2").full_clean()


# --------------------------------------------------------------------------- services


def test_setting_the_claimant_bumps_the_version_and_is_audited(reviewer):
    claim = ClaimFactory()
    jane = services.claimant_create(name="Jane Minister", kind="person", user=reviewer)
    services.claim_claimant_set(claim=claim, claimant=jane, user=reviewer, version=claim.version)
    claim = _fresh(claim)
    assert claim.claimant == jane and claim.version == 2
    event = AuditEvent.objects.get(claim_id=claim.pk, action="claims.claim.claimant_changed")
    assert event.changes["claimant"] == [None, "Jane Minister"]
    assert AuditEvent.objects.filter(action="claims.claimant.created").count() == 1


def test_a_missing_or_stale_version_is_refused(reviewer):
    claim = ClaimFactory()
    jane = Claimant.objects.create(name="Jane")
    with pytest.raises(VersionMissing):
        services.claim_claimant_set(claim=claim, claimant=jane, user=reviewer, version=None)
    with pytest.raises(ConflictError):
        services.claim_claimant_set(claim=claim, claimant=jane, user=reviewer, version=7)
    with pytest.raises(ConflictError):
        services.appearance_add(
            claim=claim, user=reviewer, version=7, kind="other", description="A leaflet."
        )
    assert _fresh(claim).claimant is None and not claim.appearances.exists()


def test_find_or_create_finds_by_name_or_alias(reviewer):
    jane = Claimant.objects.create(name="Jane Minister", aliases=["J. Minister"])
    assert services.claimant_find_or_create(name="  jane   minister ", user=reviewer) == (
        jane,
        False,
    )
    assert services.claimant_find_or_create(name="j. minister", user=reviewer) == (jane, False)
    party, created = services.claimant_find_or_create(
        name="The Party", kind="organisation", user=reviewer
    )
    assert created and party.kind == "organisation"


def test_appearances_added_and_removed_with_the_claims_version(reviewer):
    claim = ClaimFactory()
    web = services.appearance_add(
        claim=claim,
        user=reviewer,
        version=claim.version,
        kind="web",
        url="https://social.example/post/1",
        said_on=datetime.date(2026, 1, 5),
    )
    spoken = services.appearance_add(
        claim=claim,
        user=reviewer,
        version=2,
        kind="spoken",
        medium="tv",
        programme="Evening News",
        timestamp="00:12:30",
        said_on=datetime.date(2026, 1, 4),
    )
    assert {web.kind, spoken.kind} == {"web", "spoken"}
    with pytest.raises(ValidationError):
        services.appearance_add(claim=claim, user=reviewer, version=3, kind="web")
    with pytest.raises(ValidationError):
        services.appearance_add(
            claim=claim, user=reviewer, version=3, kind="article", description="x"
        )
    services.appearance_remove(appearance=web, user=reviewer, version=3)
    assert list(_fresh(claim).appearances.values_list("kind", flat=True)) == ["spoken"]
    assert _fresh(claim).version == 4
    actions = list(AuditEvent.objects.filter(claim_id=claim.pk).values_list("action", flat=True))
    assert actions.count("claims.appearance.added") == 2
    assert "claims.appearance.removed" in actions


def test_the_primary_appearance_cannot_be_removed(reviewer):
    claim = ClaimFactory()
    services.primary_appearances_follow([claim])
    primary = claim.appearances.get()
    with pytest.raises(ValidationError):
        services.appearance_remove(appearance=primary, user=reviewer, version=claim.version)


def test_published_claims_are_changed_by_editors_only_and_refresh_reader_pages(
    reviewer, editor, monkeypatch
):
    claim = published_claim()
    jane = Claimant.objects.create(name="Jane")
    with pytest.raises(PermissionDenied):
        services.claim_claimant_set(claim=claim, claimant=jane, user=reviewer, version=1)
    with pytest.raises(PermissionDenied):
        services.appearance_add(
            claim=claim, user=reviewer, version=1, kind="other", description="A leaflet."
        )
    refreshed = []
    monkeypatch.setattr(
        "claims.services.claimants.reader_pages_changed",
        lambda **kwargs: refreshed.append(kwargs["claim"].pk),
    )
    services.claim_claimant_set(claim=claim, claimant=jane, user=editor, version=1)
    services.appearance_add(
        claim=claim, user=editor, version=2, kind="other", description="A leaflet."
    )
    assert refreshed == [claim.pk, claim.pk]


def test_merging_claimants_moves_their_claims_and_is_audited(reviewer, editor):
    keep = Claimant.objects.create(name="Jane Minister")
    dupe = Claimant.objects.create(
        name="Minister Jane", aliases=["JM"], wikidata_id="Q42", description="Health"
    )
    claims = [ClaimFactory(claimant=dupe), ClaimFactory(claimant=dupe)]
    with pytest.raises(PermissionDenied):
        services.claimant_merge(
            keep=keep, remove=dupe, user=reviewer, keep_version=1, remove_version=1
        )
    with pytest.raises(ConflictError):
        services.claimant_merge(
            keep=keep, remove=dupe, user=editor, keep_version=1, remove_version=5
        )
    kept = services.claimant_merge(
        keep=keep, remove=dupe, user=editor, keep_version=1, remove_version=1
    )
    assert not Claimant.objects.filter(pk=dupe.pk).exists()
    assert kept.aliases == ["Minister Jane", "JM"] and kept.wikidata_id == "Q42"
    assert kept.version == 2
    for claim in claims:
        fresh = _fresh(claim)
        assert fresh.claimant == keep and fresh.version == 2
    assert (
        AuditEvent.objects.filter(
            action="claims.claim.claimant_changed", claim_id__in=[c.pk for c in claims]
        ).count()
        == 2
    )
    event = AuditEvent.objects.get(action="claims.claimant.merged")
    assert event.changes["claims_moved"] == 2


# ------------------------------------------------- the primary appearance follows the claim


def _primary(claim: Claim) -> Appearance:
    return Appearance.objects.get(claim_id=claim.pk, is_primary=True)


def test_ingestion_gives_new_claims_their_primary_appearance(keyword_scorer):
    article = services.article_ingest(title="Budget", text=V1, url=URL).article
    claims = list(article.claims.all())
    assert claims
    for claim in claims:
        row = _primary(claim)
        assert (row.kind, row.article_id, row.start, row.end) == (
            "article",
            article.pk,
            claim.start,
            claim.end,
        )


def test_reanchoring_moves_the_primary_appearance_with_the_claim(keyword_scorer):
    v1 = services.article_ingest(title="Budget", text=V1, url=URL).article
    claims = list(v1.claims.all())
    v2 = services.article_ingest(title="Budget", text=V2, url=URL).article
    for claim in claims:
        claim = _fresh(claim)
        row = _primary(claim)
        assert (row.article_id, row.start, row.end) == (claim.article_id, claim.start, claim.end)
        assert row.article.text[row.start : row.end] == claim.text
    assert Appearance.objects.filter(article=v2, is_primary=True).exists()


def test_a_reviewers_selection_gets_its_primary_appearance(reviewer):
    article = ArticleFactory()
    claim = services.claim_create_from_selection(
        article=article, start=0, end=10, text=article.text[:10], user=reviewer
    )
    assert (_primary(claim).start, _primary(claim).end) == (0, 10)


# ------------------------------------------------------------------------------ views


def _post(client, name, claim, data, **kwargs):
    return client.post(reverse(f"claims:{name}", kwargs={"pk": claim.pk, **kwargs}), data)


def test_the_claim_page_shows_and_sets_the_claimant_without_script(client_for):
    claim = ClaimFactory()
    client = client_for("reviewer")
    page = client.get(reverse("claims:claim_detail", kwargs={"pk": claim.pk}))
    assert b"Who said it" in page.content and b"Where and when it was said" in page.content
    response = _post(
        client,
        "claim_claimant_set",
        claim,
        {"version": "1", "name": "The Party", "kind": "organisation"},
    )
    assert response.status_code == 302
    assert _fresh(claim).claimant.name == "The Party"
    # The same name again finds the claimant rather than creating another one.
    _post(client, "claim_claimant_set", claim, {"version": "2", "clear": "on", "kind": "person"})
    _post(client, "claim_claimant_set", claim, {"version": "3", "name": "the party"})
    assert Claimant.objects.count() == 1 and _fresh(claim).claimant is not None


def test_views_answer_400_without_a_version_and_409_on_a_stale_one(client_for):
    claim = ClaimFactory()
    client = client_for("reviewer")
    assert _post(client, "claim_claimant_set", claim, {"name": "X"}).status_code == 400
    assert _post(client, "appearance_add", claim, {"kind": "other"}).status_code == 400
    stale = _post(client, "claim_claimant_set", claim, {"version": "9", "name": "X"})
    assert stale.status_code == 409
    stale = _post(
        client, "appearance_add", claim, {"version": "9", "kind": "other", "description": "x"}
    )
    assert stale.status_code == 409
    assert not Claimant.objects.filter(claims=claim).exists()


def test_adding_and_removing_an_appearance_from_the_page(client_for):
    claim = ClaimFactory()
    client = client_for("reviewer")
    response = _post(
        client,
        "appearance_add",
        claim,
        {
            "version": "1",
            "kind": "spoken",
            "medium": "radio",
            "programme": "Morning Show",
            "said_on": "2026-02-01",
            "timestamp": "00:05:10",
        },
    )
    assert response.status_code == 302
    added = claim.appearances.get()
    assert (added.medium, added.timestamp) == ("radio", "00:05:10")
    page = client.get(reverse("claims:claim_detail", kwargs={"pk": claim.pk}))
    assert b"Morning Show" in page.content
    response = _post(client, "appearance_remove", claim, {"version": "2"}, appearance_pk=added.pk)
    assert response.status_code == 302 and not claim.appearances.exists()


def test_the_search_box_endpoint_returns_matching_claimants(client_for):
    Claimant.objects.create(name="Jane Minister", aliases=["JM"])
    response = client_for("reviewer").get(reverse("claims:claimant_search"), {"q": "jm"})
    assert [r["name"] for r in response.json()["results"]] == ["Jane Minister"]


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_persona_on_the_post_only_urls(persona, client_for):
    claim = ClaimFactory()
    client = client_for(persona)
    urls = [
        (reverse("claims:claim_claimant_set", kwargs={"pk": claim.pk}), {"name": "A"}),
        (
            reverse("claims:appearance_add", kwargs={"pk": claim.pk}),
            {"kind": "other", "description": "A leaflet."},
        ),
    ]
    for url, data in urls:
        response = client.post(url, {**data, "version": str(_fresh(claim).version)})
        if persona == "anonymous":
            assert response.status_code == 302 and "/login" in response["Location"]
        elif persona in {"outsider", "reader"}:
            assert response.status_code == 403
        else:
            assert response.status_code == 302, (persona, url)


# ------------------------------------------------------------------------- migration

BEFORE = [("claims", "0016_ingest_in_batches")]
AFTER = [("claims", "0017_claimants_appearances")]


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_every_claim_its_article_appearance_and_goes_back(at_latest):
    apps = migrate_to(BEFORE)
    Article = apps.get_model("claims", "Article")
    OldClaim = apps.get_model("claims", "Claim")
    spans = []
    for n in range(3):
        text = f"Crime rose by {n + 10} percent. Taxes fell by half. Roads were paved."
        article = Article.objects.create(
            title=f"A{n}", slug=f"a{n}", text=text, content_hash=f"h{n}"
        )
        for start, end in (
            (0, text.index(".") + 1),
            (text.index("Taxes"), text.index("Roads") - 1),
        ):
            claim = OldClaim.objects.create(
                article=article, start=start, end=end, text=text[start:end]
            )
            spans.append((claim.pk, article.pk, start, end))

    apps = migrate_to(AFTER)
    NewAppearance = apps.get_model("claims", "Appearance")
    rows = sorted(NewAppearance.objects.values_list("claim_id", "article_id", "start", "end"))
    assert rows == sorted(spans)
    assert set(NewAppearance.objects.values_list("kind", "is_primary")) == {("article", True)}

    apps = migrate_to(BEFORE)
    assert "appearance" not in {
        m._meta.model_name for m in apps.get_app_config("claims").get_models()
    }
    assert apps.get_model("claims", "Claim").objects.count() == len(spans)


def test_an_editor_merges_claimants_from_the_merge_page(client_for):
    keep = Claimant.objects.create(name="Jane Minister")
    dupe = Claimant.objects.create(name="J. Minister")
    claim = ClaimFactory(claimant=dupe)
    url = reverse("claims:claimant_merge", kwargs={"pk": dupe.pk})
    editor = client_for("editor")
    page = editor.get(url, {"q": "minister", "keep": keep.pk})
    assert page.status_code == 200 and b"Merge J. Minister into Jane Minister" in page.content
    assert client_for("reviewer").get(url).status_code == 403
    data = {"keep": keep.pk, "keep_version": "1", "remove_version": "1"}
    assert editor.post(url, {"keep": keep.pk, "keep_version": "1"}).status_code == 400
    assert editor.post(url, {**data, "keep_version": "4"}).status_code == 409
    response = editor.post(url, data)
    assert response.status_code == 302
    assert _fresh(claim).claimant == keep and not Claimant.objects.filter(pk=dupe.pk).exists()
