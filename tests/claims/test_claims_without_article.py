"""Claims without an article (issue 15, "Add a claim"): a claim heard in a speech, a broadcast
or a social post is entered with its wording, who said it, where and when; it has no article
and lives by its appearances, goes through the same review and four-eyes publishing, and is
published on the reader site, in the ClaimReview feed and the API like any other."""

from __future__ import annotations

import datetime
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from audit.models import AuditEvent
from claims import services
from claims.models import Appearance, Claim, Claimant
from factcheck.lib.versions import NO_VERSION_CHECK
from reader.selectors import claim_key, claim_path, claimant_path
from tests.factories import ArticleFactory, ClaimFactory
from tests.migrations import migrate_to
from tests.reader.test_claimreview_feed import (
    ORGANISATION,
    _embedded,
    _publish,
    guideline_problems,
)

pytestmark = pytest.mark.django_db

WORDING = "Unemployment has halved since 2020."
ADD = reverse("claims:claim_add")


def _entered(user, **extra) -> Claim:
    fields = {
        "text": WORDING,
        "kind": "spoken",
        "medium": "tv",
        "programme": "Evening Debate",
        "timestamp": "00:12:30",
        "said_on": datetime.date(2026, 11, 3),
    }
    fields.update(extra)
    return services.claim_enter(user=user, **fields)


# ------------------------------------------------------------------------- the service


def test_a_claim_is_entered_with_its_appearance_and_no_article(reviewer):
    minister = Claimant.objects.create(name="Ana Minister")
    claim = _entered(reviewer, claimant=minister, text="  Unemployment has\nhalved since 2020. ")
    claim = Claim.objects.get(pk=claim.pk)
    assert (claim.article_id, claim.start, claim.end) == (None, None, None)
    assert claim.text == WORDING and claim.claimant == minister
    assert claim.status == Claim.Status.NEW and claim.origin == Claim.Origin.ENTERED
    [where] = claim.appearances.all()
    assert (where.kind, where.medium, where.programme, where.timestamp) == (
        "spoken",
        "tv",
        "Evening Debate",
        "00:12:30",
    )
    assert where.date == datetime.date(2026, 11, 3) and where.added_by == reviewer
    event = AuditEvent.objects.get(action="claims.claim.entered")
    assert event.claim_id == claim.pk and event.changes["claimant"] == "Ana Minister"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"text": "   "}, "text"),
        ({"text": "x" * (services.CLAIM_TEXT_MAX + 1)}, "text"),
        ({"kind": "web", "url": ""}, "url"),
        ({"kind": "spoken", "medium": ""}, "medium"),
        ({"kind": "other", "description": ""}, "description"),
        ({"kind": "article"}, "kind"),
        ({"kind": "spoken", "timestamp": "12:30"}, "timestamp"),
    ],
)
def test_bad_input_is_a_field_error_and_nothing_is_saved(reviewer, fields, field):
    with pytest.raises(ValidationError) as caught:
        _entered(reviewer, **fields)
    assert field in caught.value.message_dict
    assert not Claim.objects.exists() and not Appearance.objects.exists()


def test_only_reviewers_enter_claims(reader):
    with pytest.raises(PermissionDenied):
        _entered(reader)
    assert not Claim.objects.exists()


def test_the_database_keeps_article_and_span_together():
    article = ArticleFactory(text="One sentence here.")
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.create(article=article, text="One")
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.create(start=0, end=3, text="One")
    Claim.objects.create(text="Said on the radio.")


def test_its_last_appearance_cannot_be_removed(reviewer):
    claim = _entered(reviewer)
    [only] = claim.appearances.all()
    with pytest.raises(ValidationError, match="keeps at least one appearance"):
        services.appearance_remove(appearance=only, user=reviewer, version=NO_VERSION_CHECK)
    extra = services.appearance_add(
        claim=claim,
        user=reviewer,
        version=NO_VERSION_CHECK,
        kind="web",
        url="https://social.example.org/post/1",
    )
    services.appearance_remove(appearance=only, user=reviewer, version=NO_VERSION_CHECK)
    assert list(claim.appearances.all()) == [extra]


# --------------------------------------------------------------------------- the form


def test_the_form_adds_a_claim_with_a_new_claimant(client_for, reviewer):
    client = client_for("reviewer")
    page = client.get(ADD)
    assert page.status_code == 200 and b"Add a claim" in page.content
    response = client.post(
        ADD,
        {
            "text": WORDING,
            "name": "Ana Minister",
            "claimant_kind": "person",
            "kind": "web",
            "url": "https://social.example.org/ana/status/1",
            "said_on": "2026-11-03",
        },
    )
    claim = Claim.objects.get()
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("claims:claim_detail", args=[claim.pk]))
    assert claim.claimant.name == "Ana Minister" and claim.article is None
    assert claim.appearances.get().url == "https://social.example.org/ana/status/1"
    page = client.get(reverse("claims:claim_detail", args=[claim.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert WORDING in html and "Ana Minister" in html and "social.example.org/ana" in html
    queue = client.get(reverse("claims:claim_queue")).content.decode()
    assert WORDING in queue


def test_the_form_finds_an_existing_claimant_by_alias(client_for, reviewer):
    ana = Claimant.objects.create(name="Ana Minister", aliases=["The Labour Minister"])
    client_for("reviewer").post(
        ADD,
        {
            "text": WORDING,
            "name": "the labour minister",
            "kind": "other",
            "description": "A leaflet",
        },
    )
    assert Claim.objects.get().claimant == ana and Claimant.objects.count() == 1


def test_a_refused_form_keeps_what_was_typed_and_creates_nothing(client_for, reviewer):
    response = client_for("reviewer").post(
        ADD, {"text": WORDING, "name": "Ana Minister", "kind": "spoken", "medium": ""}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Say where it was said" in html and WORDING in html and "Ana Minister" in html
    assert not Claim.objects.exists() and not Claimant.objects.exists()


@pytest.mark.parametrize("persona", ["anonymous", "reader"])
def test_people_who_do_not_review_cannot_add_claims(client_for, persona):
    response = client_for(persona).post(ADD, {"text": WORDING, "kind": "other", "description": "x"})
    assert response.status_code in (302, 403)
    assert not Claim.objects.exists()


# ------------------------------------------------------------------- reviewed and published


def test_it_is_reviewed_published_and_read_like_any_claim(
    client, client_for, reviewer, editor, settings
):
    settings.FACTCHECK_ORGANISATION = ORGANISATION
    ana = Claimant.objects.create(name="Ana Minister", description="Labour minister")
    claim = _entered(reviewer, claimant=ana)
    services.claim_start_review(claim=claim, user=reviewer, version=NO_VERSION_CHECK)
    services.evidence_add(
        claim=claim, user=reviewer, url="https://stats.example.org/labour", stance="refutes"
    )
    claim = _publish(claim, reviewer, editor)
    assert claim.status == Claim.Status.PUBLISHED

    page = client.get(claim_path(claim))
    html = page.content.decode()
    assert page.status_code == 200
    assert WORDING in html and "Ana Minister" in html and "Evening Debate" in html
    review = _embedded(client, claim)
    assert review["itemReviewed"]["author"]["name"] == "Ana Minister"
    assert guideline_problems(review, "http://testserver") == []
    home = client.get(reverse("reader:home")).content.decode()
    assert WORDING in home
    feed = json.loads(client.get(reverse("reader:feed_claimreview")).content)
    assert [e["claimReviewed"] for e in feed["dataFeedElement"]] == [WORDING]
    assert client.get(reverse("reader:feed_fact_checks")).status_code == 200
    assert WORDING.encode() in client.get(reverse("reader:feed_fact_checks")).content
    assert client.get(reverse("reader:sitemap")).status_code == 200
    assert WORDING in client.get(claimant_path(ana)).content.decode()
    card = client.get(reverse("reader:embed_claim", args=[claim_key(claim)]))
    assert card.status_code == 200 and WORDING in card.content.decode()

    api = client_for("reviewer").get(f"/api/v1/claims/{claim.pk}/")
    assert api.status_code == 200
    assert api.json()["article"] is None and api.json()["text"] == WORDING
    public = client.get(f"/api/v1/fact-checks/{claim.pk}/")
    assert public.status_code == 200, public.content


def test_its_reviewer_pages_work_at_every_step(client_for, reviewer, editor):
    claim = _entered(reviewer)
    client = client_for("editor")
    detail = reverse("claims:claim_detail", args=[claim.pk])
    assert client.get(detail).status_code == 200
    services.claim_start_review(claim=claim, user=reviewer, version=NO_VERSION_CHECK)
    assert client.get(detail).status_code == 200
    assert client.get(reverse("claims:merge_targets", args=[claim.pk])).status_code == 404
    claim.refresh_from_db()
    dismissed = client.post(
        reverse("claims:claim_dismiss", args=[claim.pk]),
        {"version": claim.version, "reason": "Not check-worthy after all."},
    )
    assert dismissed.status_code == 302
    assert client.get(detail).status_code == 200


# ----------------------------------------------------------------------------- migration


@pytest.mark.django_db(transaction=True)
def test_migrating_back_refuses_while_an_entered_claim_exists(at_latest, reviewer):
    _entered(reviewer)
    with pytest.raises(RuntimeError, match="have no article"):
        migrate_to([("claims", "0020_appearance_proposals")])
    assert Claim.objects.filter(article__isnull=True).count() == 1


@pytest.mark.django_db(transaction=True)
def test_migration_0021_goes_back_and_forth_without_entered_claims(at_latest):
    claim = ClaimFactory()
    migrate_to([("claims", "0020_appearance_proposals")])
    old = migrate_to([("claims", "0021_claim_without_article")]).get_model("claims", "Claim")
    assert old.objects.get(pk=claim.pk).article_id == claim.article_id


def test_the_page_offers_no_remove_button_for_its_only_appearance(client_for, reviewer):
    claim = _entered(reviewer)
    client = client_for("reviewer")
    detail = reverse("claims:claim_detail", args=[claim.pk])
    remove = "/remove/"
    assert remove not in client.get(detail).content.decode()
    services.appearance_add(
        claim=claim, user=reviewer, version=NO_VERSION_CHECK, kind="other", description="A leaflet"
    )
    assert client.get(detail).content.decode().count("/remove/") == 2
