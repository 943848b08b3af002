"""Edits carry versions (docs/architecture.md §3a "Versions"): every form that edits a claim,
verdict, evidence, article, source, link override, rating scale or level, or topic sends the
version it was built from. Without it the request is refused (400) and nothing is read or
written; from a stale version it is a conflict (409, or a form error in the Django admin)
showing the saved values next to the user's, whose input is kept; the audit history holds
exactly the saves. On PostgreSQL, concurrent saves from one version: exactly one wins."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from claims import services
from claims.models import Article, Claim, Evidence, RatingLevel, RatingScale, Topic, Verdict
from factcheck.lib.versions import NO_VERSION_CHECK, VersionMissing
from sources import services as source_services
from sources.models import Link, Source
from tests.factories import (
    ClaimFactory,
    EvidenceFactory,
    LinkFactory,
    SourceFactory,
    TopicFactory,
    rating_level,
)

pytestmark = pytest.mark.django_db


@dataclass
class Edit:
    """One editable object: where its form posts, two edits made from the same version,
    how a conflict answers, and which audit events record its saves."""

    url: str
    first: dict
    second: dict
    row: Any  # the edited row (its version is read again from the database)
    actions: tuple[str, ...]
    persona: str = "editor"
    conflict_status: int = 409
    kept: str = ""  # a piece of the second edit's input the conflict page keeps
    saved_now: str = ""  # a saved value the conflict page shows


def _claim_url(name: str, claim: Claim, **kwargs) -> str:
    return reverse(f"claims:{name}", kwargs={"pk": claim.pk, **kwargs})


def _claim(users) -> Edit:
    claim = ClaimFactory(status=Claim.Status.IN_REVIEW)
    v = claim.version
    return Edit(
        url=_claim_url("claim_assign", claim),
        first={"version": v, "assignee": users["reviewer"].pk},
        second={"version": v, "assignee": users["editor"].pk},
        row=claim,
        actions=("claims.claim.assigned",),
        saved_now="Claim #",
    )


def _verdict(users) -> Edit:
    claim = ClaimFactory()
    verdict = services.verdict_save(
        claim=claim,
        user=users["reviewer"],
        rating=rating_level("false"),
        summary="First words.",
        rationale="Because.",
        version=NO_VERSION_CHECK,
    )
    form = {"rating": rating_level("false").pk, "rationale": "Because.", "version": 1}
    return Edit(
        url=_claim_url("verdict_save", claim),
        first={**form, "summary": "The reviewer's words."},
        second={**form, "summary": "The editor's own words."},
        row=verdict,
        actions=("claims.verdict.edited",),
        kept="The editor&#x27;s own words.",
        saved_now="The reviewer&#x27;s words.",
    )


def _evidence(users) -> Edit:
    evidence = EvidenceFactory(claim=ClaimFactory(status=Claim.Status.IN_REVIEW), note="")
    url = _claim_url("evidence_edit", evidence.claim, evidence_pk=evidence.pk)
    return Edit(
        url=url,
        first={"version": 1, "stance": "supports", "quote": "Quoted by the first."},
        second={"version": 1, "stance": "context", "quote": "Quoted by the second."},
        row=evidence,
        actions=("claims.evidence.edited", "claims.evidence.removed"),
        kept="Quoted by the second.",
        saved_now="Quoted by the first.",
    )


def _evidence_removed(users) -> Edit:
    """A removal from a version someone has since edited is refused (and the reverse)."""
    edit = _evidence(users)
    evidence = edit.row
    edit.second = {"version": 1, "reason": "A better source exists."}
    edit.url = (edit.url, _claim_url("evidence_remove", evidence.claim, evidence_pk=evidence.pk))
    edit.kept = "A better source exists."
    return edit


def _article(users) -> Edit:
    article = ClaimFactory().article
    one, two = TopicFactory(name="Budget"), TopicFactory(name="Health")
    url = reverse("claims:article_reader_details", kwargs={"pk": article.pk})
    return Edit(
        url=url,
        first={"version": 1, "topics": [one.pk]},
        second={"version": 1, "topics": [two.pk], "new_topic": "Transport"},
        row=article,
        actions=("claims.article.reader_details_changed",),
        saved_now="Budget",
        kept="Transport",
    )


def _source(users) -> Edit:
    source = SourceFactory(name="Daily Planet", domains=["dailyplanet.org"])
    form = {
        "name": "Daily Planet",
        "kind": "other",
        "home_url": "",
        "domains": "dailyplanet.org",
        "country": "",
        "language": "",
        "rating": "unrated",
        "rating_rationale": "",
        "version": 1,
    }
    return Edit(
        url=reverse("sources:edit", args=[source.pk]),
        first={**form, "notes": "Owned by the first."},
        second={**form, "notes": "Owned by the second."},
        row=source,
        actions=(
            "sources.source.updated",
            "sources.source.domains_changed",
            "sources.source.rating_changed",
        ),
        persona="admin",
        kept="Owned by the second.",
        saved_now="Owned by the first.",
    )


def _link(users) -> Edit:
    link = LinkFactory(state="dead")
    form = {"action": "set", "version": 1}
    return Edit(
        url=reverse("sources:link_override", kwargs={"pk": link.pk}),
        first={**form, "state": "alive", "reason": "Loads by hand."},
        second={**form, "state": "blocked", "reason": "A cookie wall, not dead."},
        row=link,
        actions=("sources.link.overridden", "sources.link.override_cleared"),
        kept="A cookie wall, not dead.",
        saved_now="Loads by hand.",
    )


def _level(users) -> Edit:
    level = rating_level("satire-opinion")
    return Edit(
        url=reverse("desk:level_deactivate", kwargs={"pk": level.pk}),
        first={"version": level.version},
        second={"version": level.version},
        row=level,
        actions=("claims.rating_level.deactivated", "claims.rating_level.edited"),
        persona="admin",
        saved_now="changed the rating level",
    )


def _scale_admin(users) -> Edit:
    rating_level()  # the default scale and its levels
    scale = RatingScale.objects.get(is_active=True)
    base = {
        "name": scale.name,
        "version": scale.version,
        "levels-TOTAL_FORMS": "0",
        "levels-INITIAL_FORMS": "0",
        "levels-MIN_NUM_FORMS": "0",
        "levels-MAX_NUM_FORMS": "1000",
    }
    return Edit(
        url=reverse("admin:claims_ratingscale_change", args=[scale.pk]),
        first={**base, "description": "Described by the first."},
        second={**base, "description": "Described by the second."},
        row=scale,
        actions=("claims.scale.edited",),
        persona="superuser",
        conflict_status=200,  # the admin shows its form again, with the error
        kept="Described by the second.",
        saved_now="saved now “Described by the first.”",
    )


def _level_admin(users) -> Edit:
    level = rating_level("mixed")
    base = {
        "scale": level.scale_id,
        "position": level.position,
        "slug": level.slug,
        "value": level.value,
        "colour": level.colour,
        "text_colour": level.text_colour,
        "definition": level.definition,
        "version": level.version,
    }
    return Edit(
        url=reverse("admin:claims_ratinglevel_change", args=[level.pk]),
        first={**base, "label": "Half true"},
        second={**base, "label": "Partly true"},
        row=level,
        actions=("claims.rating_level.edited",),
        persona="superuser",
        conflict_status=200,
        kept="Partly true",
        saved_now="saved now “Half true”",
    )


def _topic_admin(users) -> Edit:
    topic = TopicFactory(name="Budget", slug="budget")
    return Edit(
        url=reverse("admin:claims_topic_change", args=[topic.pk]),
        first={"name": "Public budget", "slug": "budget", "version": 1},
        second={"name": "Budgets", "slug": "budget", "version": 1},
        row=topic,
        actions=("claims.topic.edited",),
        persona="superuser",
        conflict_status=200,
        kept="Budgets",
        saved_now="saved now “Public budget”",
    )


EDITS = {
    "claim": _claim,
    "verdict": _verdict,
    "evidence": _evidence,
    "evidence removed": _evidence_removed,
    "article details": _article,
    "source": _source,
    "link override": _link,
    "rating level": _level,
    "rating scale (admin)": _scale_admin,
    "rating level (admin)": _level_admin,
    "topic (admin)": _topic_admin,
}


@pytest.fixture
def users(reviewer, editor, admin_persona, admin_user):
    return {"reviewer": reviewer, "editor": editor, "admin": admin_persona, "superuser": admin_user}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _events(edit: Edit) -> int:
    return AuditEvent.objects.filter(action__in=edit.actions).count()


@pytest.mark.parametrize("name", EDITS)
def test_two_edits_from_one_version_one_is_saved_and_the_other_is_a_conflict(name, users):
    edit = EDITS[name](users)
    model = type(edit.row)
    before = model.objects.get(pk=edit.row.pk).version
    events = _events(edit)
    first_url, second_url = edit.url if isinstance(edit.url, tuple) else (edit.url, edit.url)
    first = _client(users["reviewer"] if name == "claim" else users[edit.persona])
    second = _client(users[edit.persona])

    saved = first.post(first_url, edit.first)
    assert saved.status_code == 302, saved.content.decode()[:2000]
    assert model.objects.get(pk=edit.row.pk).version == before + 1
    after_first = model.objects.get(pk=edit.row.pk)

    refused = second.post(second_url, edit.second)
    html = refused.content.decode()
    assert refused.status_code == edit.conflict_status, html[:2000]
    assert "changed this" in html or "changed the" in html  # who changed it meanwhile
    if edit.kept:
        assert edit.kept in html  # the user's input is kept in the form
    if edit.saved_now:
        assert edit.saved_now in html  # next to what is saved now
    # The second edit wrote nothing: the row is as the first left it.
    current = model.objects.get(pk=edit.row.pk)
    assert current.version == before + 1
    assert {f.name: getattr(current, f.attname) for f in model._meta.concrete_fields} == {
        f.name: getattr(after_first, f.attname) for f in model._meta.concrete_fields
    }
    # The history holds exactly the one save.
    assert _events(edit) == events + 1


def test_the_conflict_page_offers_the_saved_version_so_saving_again_replaces_it(users):
    edit = _verdict(users)
    _client(users["reviewer"]).post(edit.url, edit.first)
    response = _client(users["editor"]).post(edit.url, edit.second)
    assert response.status_code == 409
    assert 'name="version" value="2"' in response.content.decode()
    again = _client(users["editor"]).post(edit.url, {**edit.second, "version": 2})
    assert again.status_code == 302
    assert Verdict.objects.get(pk=edit.row.pk).summary == "The editor's own words."


def test_an_evidence_conflict_shows_the_saved_evidence_and_keeps_the_input(users):
    edit = _evidence(users)
    _client(users["reviewer"]).post(edit.url, edit.first)
    html = _client(users["editor"]).post(edit.url, edit.second).content.decode()
    assert "What differs between your input and the saved version" in html
    assert "<td>Gives context</td><td>Supports the claim</td>" in html  # stance: yours, saved now
    assert 'name="version" value="2"' in html  # saving the kept input again replaces it


# ---------------------------------------------------------------- a missing version: 400


def _without_version(data: dict) -> dict:
    return {key: value for key, value in data.items() if not key.endswith("version")}


@pytest.mark.parametrize("name", EDITS)
def test_an_edit_without_its_version_is_refused_and_changes_nothing(name, users):
    edit = EDITS[name](users)
    model = type(edit.row)
    url = edit.url[1] if isinstance(edit.url, tuple) else edit.url
    before = model.objects.filter(pk=edit.row.pk).values().get()
    events = AuditEvent.objects.count()
    response = _client(users[edit.persona]).post(url, _without_version(edit.second))
    html = response.content.decode()
    if edit.conflict_status == 409:
        assert response.status_code == 400
        assert "sent without the version of what it edits" in html
    else:  # the Django admin: its form refuses it
        assert response.status_code == 200
        assert "sent without the version of what it edits" in html
    assert model.objects.filter(pk=edit.row.pk).values().get() == before
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize(
    "url_name",
    [
        "claims:claim_start_review",
        "claims:claim_submit",
        "claims:claim_return",
        "claims:claim_publish",
        "claims:claim_dismiss",
        "claims:claim_reopen",
        "claims:claim_merge",
    ],
)
def test_every_claim_workflow_step_needs_the_version(url_name, users):
    claim = ClaimFactory()
    response = _client(users["editor"]).post(
        reverse(url_name, kwargs={"pk": claim.pk}), {"reason": "x"}
    )
    assert response.status_code == 400
    claim.refresh_from_db()
    assert claim.version == 1 and not AuditEvent.objects.exists()


def test_the_scale_activation_needs_the_version(users):
    rating_level()
    other = RatingScale.objects.create(name="Other")
    url = reverse("desk:scale_activate", kwargs={"pk": other.pk})
    assert _client(users["admin"]).post(url).status_code == 400
    assert _client(users["admin"]).post(url, {"version": "two"}).status_code == 400


def test_a_version_that_is_not_a_number_is_a_missing_version(users):
    edit = _claim(users)
    response = _client(users["editor"]).post(edit.url, {**edit.first, "version": "latest"})
    assert response.status_code == 400


# ---------------------------------------------------------------- the services


@pytest.mark.parametrize(
    "call",
    [
        lambda u: services.claim_start_review(claim=ClaimFactory(), user=u, version=None),
        lambda u: services.evidence_edit(
            evidence=EvidenceFactory(claim=ClaimFactory()), user=u, stance="supports", version=None
        ),
        lambda u: services.verdict_save(
            claim=ClaimFactory(),
            user=u,
            rating=rating_level(),
            summary="s",
            rationale="r",
            version=None,
        ),
        lambda u: source_services.link_override_set(
            link=LinkFactory(), user=u, state="alive", reason="r", version=None
        ),
    ],
)
def test_a_service_given_no_version_refuses_instead_of_skipping_the_check(call, editor):
    with pytest.raises(VersionMissing):
        call(editor)
    assert not AuditEvent.objects.exists()


def test_services_require_the_version_keyword(editor):
    with pytest.raises(TypeError, match="version"):
        services.claim_start_review(claim=ClaimFactory(), user=editor)


def test_system_callers_skip_the_check_only_by_saying_so(editor):
    claim = ClaimFactory()
    claim.version = 7  # a stale copy
    services.claim_start_review(claim=claim, user=editor, version=NO_VERSION_CHECK)
    claim.refresh_from_db()
    assert claim.status == Claim.Status.IN_REVIEW and claim.version == 2


def test_every_edit_bumps_the_version_with_its_audit_event(editor, admin_persona):
    evidence = EvidenceFactory(claim=ClaimFactory(status=Claim.Status.IN_REVIEW))
    services.evidence_edit(evidence=evidence, user=editor, stance="supports", version=1)
    event = AuditEvent.objects.get(action="claims.evidence.edited")
    assert event.changes["version"] == [1, 2]
    link = LinkFactory()
    source_services.link_override_set(link=link, user=editor, state="alive", reason="r", version=1)
    source_services.link_override_clear(link=link, user=editor, version=2)
    assert Link.objects.get(pk=link.pk).version == 3
    source = SourceFactory()
    source_services.source_rate(
        source=source, user=admin_persona, rating="high", rationale="Good.", version=1
    )
    assert Source.objects.get(pk=source.pk).version == 2
    level = rating_level("mixed")
    services.rating_level_deactivate(actor=admin_persona, level=level, version=1)
    assert RatingLevel.objects.get(pk=level.pk).version == 2


def test_link_checks_do_not_bump_the_override_version(editor):
    link = LinkFactory()
    Link.objects.filter(pk=link.pk).update(state="alive")  # what a check writes
    source_services.link_override_set(
        link=link, user=editor, state="dead", reason="Gone.", version=1
    )


def test_a_stale_admin_edit_offers_the_saved_version_to_replace_it_knowingly(users):
    edit = _topic_admin(users)
    client = _client(users["superuser"])
    client.post(edit.url, edit.first)
    html = client.post(edit.url, edit.second).content.decode()
    assert 'name="version" value="2"' in html
    assert client.post(edit.url, {**edit.second, "version": 2}).status_code == 302
    assert Topic.objects.get(pk=edit.row.pk).name == "Budgets"
    assert AuditEvent.objects.filter(action="claims.topic.edited").count() == 2


def test_adding_in_the_admin_needs_no_version_and_starts_at_one(users):
    client = _client(users["superuser"])
    response = client.post(reverse("admin:claims_topic_add"), {"name": "Roads", "slug": "roads"})
    assert response.status_code == 302
    assert Topic.objects.get(slug="roads").version == 1


# ---------------------------------------------------------------- PostgreSQL, concurrently

WRITERS = 8


def _concurrent_cases():
    def claim(u):
        row = ClaimFactory()
        return row, lambda n: services.claim_assign(claim=row, assignee=u, user=u, version=1)

    def evidence(u):
        row = EvidenceFactory(claim=ClaimFactory(status=Claim.Status.IN_REVIEW))
        return row, lambda n: services.evidence_edit(
            evidence=row, user=u, stance="context", quote=f"q{n}", version=1
        )

    def article(u):
        row = ClaimFactory().article
        return row, lambda n: services.article_reader_details_update(
            article=row, user=u, topics=[], new_topic=f"Topic {n}", version=1
        )

    def source(u):
        row = SourceFactory()
        return row, lambda n: source_services.source_update(
            source=row, user=None, notes=f"n{n}", version=1
        )

    def link(u):
        row = LinkFactory()
        return row, lambda n: source_services.link_override_set(
            link=row, user=u, state="alive", reason=f"r{n}", version=1
        )

    def level(u):
        row = rating_level("mixed")
        return row, lambda n: services.rating_level_deactivate(actor=u, level=row, version=1)

    return {
        "claim": claim,
        "evidence": evidence,
        "article": article,
        "source": source,
        "link": link,
        "level": level,
    }


CONCURRENT = _concurrent_cases()


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", CONCURRENT)
def test_concurrent_saves_from_one_version_exactly_one_is_saved(name, roles):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL): SQLite runs one writer at a time")
    from django.contrib.auth import get_user_model

    from factcheck.lib.roles import ADMIN, role_assign

    user = get_user_model().objects.create_user("concurrent-admin")
    role_assign(user, ADMIN)
    row, save = CONCURRENT[name](user)
    start = threading.Barrier(WRITERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(n: int) -> None:
        from django.db import connections

        try:
            start.wait(timeout=30)
            save(n)
            result = "saved"
        except services.ConflictError:
            result = "conflict"
        except Exception as exc:  # pragma: no cover - shown by the assertion
            result = f"error: {type(exc).__name__}: {exc}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["conflict"] * (WRITERS - 1) + ["saved"], outcomes
    assert type(row).objects.get(pk=row.pk).version == 2
    assert AuditEvent.objects.filter(target_id=row.pk, action__in=_EDIT_ACTIONS).count() == 1


_EDIT_ACTIONS = [
    "claims.claim.assigned",
    "claims.evidence.edited",
    "claims.article.reader_details_changed",
    "sources.source.updated",
    "sources.link.overridden",
    "claims.rating_level.deactivated",
]


EDITABLE_MODELS = (Article, Claim, Evidence, RatingLevel, RatingScale, Topic, Verdict, Link, Source)


def test_the_models_with_versions_are_the_ones_tested():
    """A new editable model with a version gets a row in the tests above."""
    versioned = {
        model.__name__
        for model in EDITABLE_MODELS
        if any(f.name == "version" for f in model._meta.concrete_fields)
    }
    assert versioned == {
        "Article",
        "Claim",
        "Evidence",
        "RatingLevel",
        "RatingScale",
        "Topic",
        "Verdict",
        "Link",
        "Source",
    }
