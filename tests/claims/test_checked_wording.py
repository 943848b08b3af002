"""Checked wording (issue 13, rule 2): a new revision of an article that rewords a checked
claim's sentence never rewords its verdict. The verdict keeps the wording it checked, the
claim takes the new sentence and is marked "changed since checked" for editors, who
acknowledge the change or check the new wording in a new version."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from claims import services
from claims.models import Claim, Verdict
from claims.services import article_ingest
from claims.tasks import evidence_at_risk_digest
from claims.wording import word_diff
from factcheck.lib.versions import ConflictError
from tests.factories import UserFactory, rating_level
from tests.migrations import migrate_to

pytestmark = pytest.mark.django_db

URL = "https://news.example.org/crime"
CHECKED = "Crime rose by 11 percent last year, the police said."
CHANGED = "Crime fell by 15 percent last year, the police said."
V1 = f"Crime report.\n\n{CHECKED} Residents were worried.\n\nThe council met on Monday."
V2 = V1.replace(CHECKED, CHANGED)


def _version(claim: Claim) -> int:
    return Claim.objects.get(pk=claim.pk).version


def _ingest(text: str, user=None, url: str = URL):
    return article_ingest(title="Crime", text=text, url=url, user=user)


def _claim(*, n: int = 0) -> Claim:
    text, url = (f"Part {n}. " + V1, f"{URL}-{n}") if n else (V1, URL)
    article = _ingest(text, url=url).article
    return article.claims.get(text=CHECKED)


def _draft(claim: Claim, reviewer, **fields) -> Verdict:
    return services.verdict_save(
        claim=claim,
        user=reviewer,
        rating=rating_level("false"),
        summary=fields.pop("summary", "It fell."),
        rationale="Police figures.",
        version=fields.pop("version", 0),
        **fields,
    )


def _submit(claim: Claim, reviewer) -> None:
    services.claim_submit_for_approval(claim=claim, user=reviewer, version=_version(claim))


def _publish(claim: Claim, editor) -> Verdict:
    return services.claim_publish(claim=claim, user=editor, version=_version(claim))


def _published_claim(reviewer, editor, *, n: int = 0) -> Claim:
    claim = _claim(n=n)
    _draft(claim, reviewer)
    _submit(claim, reviewer)
    _publish(claim, editor)
    return Claim.objects.get(pk=claim.pk)


# --------------------------------------------------------------------------- ingestion


def test_a_reworded_sentence_keeps_the_published_wording_and_marks_the_claim(
    keyword_scorer, reviewer, editor
):
    claim = _published_claim(reviewer, editor)
    verdict = claim.verdicts.get()
    assert verdict.checked_text == CHECKED
    fetcher = UserFactory(username="fetcher")

    result = _ingest(V2, user=fetcher)

    claim.refresh_from_db()
    verdict.refresh_from_db()
    # The claim is the article's new sentence (offsets and text), found by fuzzy match ...
    assert claim.article == result.article
    assert claim.text == CHANGED == result.article.text[claim.start : claim.end]
    assert claim.anchor_match == Claim.AnchorMatch.FUZZY
    # ... its published verdict is untouched and keeps the wording it checked ...
    assert (verdict.state, verdict.number, verdict.checked_text) == ("published", 1, CHECKED)
    assert claim.verdicts.count() == 1 and claim.status == Claim.Status.PUBLISHED
    # ... and the claim is marked changed since checked, with what was checked.
    assert claim.changed_since_checked_at is not None
    assert claim.changed_from_text == CHECKED
    event = AuditEvent.objects.get(claim_id=claim.pk, action="claims.claim.changed_since_checked")
    assert event.actor == fetcher
    assert event.changes == {"text": [CHECKED, CHANGED], "checked_text": CHECKED}


def test_an_unchanged_sentence_found_again_marks_nothing(keyword_scorer, reviewer, editor):
    claim = _published_claim(reviewer, editor)
    _ingest("Breaking: a new first line.\n\n" + V1)
    claim.refresh_from_db()
    assert claim.anchor_match in {Claim.AnchorMatch.CONTEXT, Claim.AnchorMatch.EXACT}
    assert claim.text == CHECKED and claim.changed_since_checked_at is None
    assert not AuditEvent.objects.filter(action="claims.claim.changed_since_checked").exists()


def test_a_claim_without_a_verdict_is_reworded_as_before(keyword_scorer):
    claim = _claim()
    _ingest(V2)
    claim.refresh_from_db()
    assert claim.text == CHANGED and claim.anchor_match == Claim.AnchorMatch.FUZZY
    assert claim.changed_since_checked_at is None and claim.changed_from_text == ""
    assert not AuditEvent.objects.filter(action="claims.claim.changed_since_checked").exists()


@pytest.mark.parametrize("submitted", [False, True], ids=["draft", "awaiting-approval"])
def test_a_verdict_in_progress_keeps_its_wording_too(keyword_scorer, reviewer, submitted):
    claim = _claim()
    draft = _draft(claim, reviewer)
    if submitted:
        _submit(claim, reviewer)
    _ingest(V2)
    claim.refresh_from_db()
    draft.refresh_from_db()
    assert claim.text == CHANGED and draft.checked_text == CHECKED
    assert claim.changed_from_text == CHECKED and claim.changed_since_checked_at is not None


def test_saving_the_draft_checks_the_new_wording_and_resolves_the_mark(keyword_scorer, reviewer):
    claim = _claim()
    draft = _draft(claim, reviewer)
    _ingest(V2)
    draft.refresh_from_db()
    _draft(claim, reviewer, summary="Crime fell, the police say.", version=draft.version)
    draft.refresh_from_db()
    claim.refresh_from_db()
    assert draft.checked_text == CHANGED
    assert claim.changed_since_checked_at is None and claim.changed_from_text == ""
    edited = AuditEvent.objects.get(target_id=draft.pk, action="claims.verdict.edited")
    assert edited.changes["checked_text"] == [CHECKED, CHANGED]
    resolved = AuditEvent.objects.get(claim_id=claim.pk, action="claims.claim.change_resolved")
    assert resolved.actor == reviewer
    assert resolved.changes["checked_text"] == [CHECKED, CHANGED]


def test_a_revision_that_restores_the_checked_wording_clears_the_mark(
    keyword_scorer, reviewer, editor
):
    claim = _published_claim(reviewer, editor)
    _ingest(V2)
    _ingest(V1 + "\n\nUpdate: the earlier figure was right.")
    claim.refresh_from_db()
    assert claim.text == CHECKED and claim.changed_since_checked_at is None
    assert AuditEvent.objects.filter(
        claim_id=claim.pk, action="claims.claim.wording_restored"
    ).exists()


def test_a_second_rewording_keeps_what_was_checked(keyword_scorer, reviewer, editor):
    claim = _published_claim(reviewer, editor)
    _ingest(V2)
    first = Claim.objects.get(pk=claim.pk).changed_since_checked_at
    _ingest(V2.replace("15 percent", "16 percent"))
    claim.refresh_from_db()
    assert claim.text == CHANGED.replace("15", "16")
    assert claim.changed_from_text == CHECKED and claim.changed_since_checked_at == first
    assert claim.verdicts.get().checked_text == CHECKED


# ------------------------------------------------------------------- editors resolve it


def test_an_editor_acknowledges_the_change_and_the_verdict_stands(keyword_scorer, reviewer, editor):
    claim = _published_claim(reviewer, editor)
    _ingest(V2)
    with pytest.raises(PermissionDenied):
        services.claim_change_acknowledge(claim=claim, user=reviewer, version=_version(claim))
    with pytest.raises(ConflictError):
        services.claim_change_acknowledge(claim=claim, user=editor, version=1)
    services.claim_change_acknowledge(
        claim=claim, user=editor, version=_version(claim), note="Same finding either way."
    )
    claim.refresh_from_db()
    assert claim.changed_since_checked_at is None and claim.text == CHANGED
    assert claim.verdicts.get().checked_text == CHECKED
    event = AuditEvent.objects.get(claim_id=claim.pk, action="claims.claim.change_acknowledged")
    assert event.actor == editor and event.message == "Same finding either way."
    with pytest.raises(ValidationError, match="not marked"):
        services.claim_change_acknowledge(claim=claim, user=editor, version=_version(claim))


def test_a_correction_checks_the_new_wording(keyword_scorer, reviewer, editor):
    claim = _published_claim(reviewer, editor)
    _ingest(V2)
    correction = _draft(claim, reviewer, correction_note="The article now says crime fell.")
    claim.refresh_from_db()
    assert correction.number == 2 and correction.checked_text == CHANGED
    assert claim.changed_since_checked_at is None
    _submit(claim, reviewer)
    _publish(claim, editor)
    versions = {v.number: v for v in claim.verdicts.all()}
    assert (versions[1].state, versions[1].checked_text) == ("superseded", CHECKED)
    assert (versions[2].state, versions[2].checked_text) == ("published", CHANGED)


# ------------------------------------------------------------------------------- pages


def test_the_editors_list_shows_the_change_word_by_word(keyword_scorer, reviewer, editor, client):
    claim = _published_claim(reviewer, editor)
    _ingest(V2)
    client.force_login(editor)
    page = client.get(reverse("claims:changed_claims")).content.decode()
    assert '<del><span class="visually-hidden">[deleted: </span>rose ' in page
    assert '<ins><span class="visually-hidden">[inserted: </span>fell ' in page
    assert CHECKED in page and CHANGED in page
    assert reverse("claims:claim_detail", kwargs={"pk": claim.pk}) + "#verdict" in page
    assert "Start a correction" in page
    # Reachable from the menu.
    assert reverse("claims:changed_claims") in client.get(reverse("claims:home")).content.decode()


def test_the_editors_list_acknowledges_with_the_claims_version(
    keyword_scorer, reviewer, editor, client
):
    claim = _published_claim(reviewer, editor)
    _ingest(V2)
    client.force_login(editor)
    url = reverse("claims:claim_change_acknowledge", kwargs={"pk": claim.pk})
    assert client.post(url, {"note": "x"}).status_code == 400  # no version: refused
    response = client.post(url, {"version": _version(claim), "note": "Still false."})
    assert response.status_code == 302 and response["Location"] == reverse("claims:changed_claims")
    assert Claim.objects.get(pk=claim.pk).changed_since_checked_at is None
    page = client.get(reverse("claims:changed_claims")).content.decode()
    assert "No claim changed since it was checked." in page


def test_reviewers_see_the_change_on_the_claim_page(keyword_scorer, reviewer, editor, client):
    claim = _published_claim(reviewer, editor)
    _ingest(V2)
    client.force_login(reviewer)
    page = client.get(reverse("claims:claim_detail", kwargs={"pk": claim.pk})).content.decode()
    assert "Changed since checked" in page and "<del>" in page and "<ins>" in page
    assert "Acknowledge the change" not in page  # editors only
    client.force_login(editor)
    page = client.get(reverse("claims:claim_detail", kwargs={"pk": claim.pk})).content.decode()
    assert "Acknowledge the change" in page


def test_the_editors_list_needs_a_fixed_number_of_queries(
    keyword_scorer, reviewer, editor, client, django_assert_max_num_queries
):
    claim = _published_claim(reviewer, editor)
    _ingest(V2)
    client.force_login(editor)
    with django_assert_max_num_queries(12):
        one = client.get(reverse("claims:changed_claims")).context["rows"]
    for n in (1, 2, 3):
        _published_claim(reviewer, editor, n=n)
        _ingest(f"Part {n}. " + V2, url=f"{URL}-{n}")
    with django_assert_max_num_queries(12):
        rows = client.get(reverse("claims:changed_claims")).context["rows"]
    assert [r.pk for r in one] == [claim.pk] and len(rows) == 4


# ------------------------------------------------------------------------------ digest


def test_the_daily_digest_lists_the_claims_changed_since_checked(keyword_scorer, reviewer, editor):
    claim = _published_claim(reviewer, editor)
    _ingest(V2)
    evidence_at_risk_digest()
    assert [message.to for message in mail.outbox] == [[editor.email]]
    [message] = mail.outbox
    assert "1 claim changed since checked" in message.subject
    assert "evidence at risk" not in message.subject
    assert f"Claim #{claim.pk}" in message.body
    assert CHECKED in message.body and CHANGED in message.body
    assert reverse("claims:changed_claims") in message.body


# --------------------------------------------------------------------------- the diff


def test_the_word_diff_marks_deleted_and_inserted_words():
    segments = word_diff("Crime rose by 11 percent", "Crime fell by 15 percent")
    assert [(s.op, s.text) for s in segments] == [
        ("same", "Crime "),
        ("deleted", "rose "),
        ("inserted", "fell "),
        ("same", "by "),
        ("deleted", "11 "),
        ("inserted", "15 "),
        ("same", "percent"),
    ]
    new = "".join(s.text for s in segments if not s.is_deleted)
    assert new == "Crime fell by 15 percent"


# --------------------------------------------------------------------------- migration


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_existing_versions_their_claims_wording(at_latest):
    apps = migrate_to([("claims", "0013_edit_versions")])
    Article = apps.get_model("claims", "Article")
    Claim_ = apps.get_model("claims", "Claim")
    Verdict_ = apps.get_model("claims", "Verdict")
    RatingScale = apps.get_model("claims", "RatingScale")
    scale = RatingScale.objects.create(name="Migration scale")
    level = apps.get_model("claims", "RatingLevel").objects.create(
        scale=scale, label="False", slug="false", value=1, colour="#aa0000", definition="No."
    )
    article = Article.objects.create(title="A", slug="a", text=CHECKED, content_hash="x")
    claim = Claim_.objects.create(article=article, start=0, end=len(CHECKED), text=CHECKED)
    Verdict_.objects.create(claim=claim, rating=level, summary="S", rationale="R")

    apps = migrate_to([("claims", "0014_checked_wording")])
    verdict = apps.get_model("claims", "Verdict").objects.get()
    assert verdict.checked_text == CHECKED
    assert apps.get_model("claims", "Claim").objects.get().changed_since_checked_at is None

    apps = migrate_to([("claims", "0013_edit_versions")])
    assert apps.get_model("claims", "Verdict").objects.get().summary == "S"
    columns = [
        c.name
        for c in connection.introspection.get_table_description(
            connection.cursor(), "claims_verdict"
        )
    ]
    assert "checked_text" not in columns


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("anonymous", 302),
        ("outsider", 403),
        ("reader", 403),
        ("reviewer", 403),
        ("editor", 302),
        ("admin", 302),
    ],
)
def test_only_editors_may_acknowledge_a_change(keyword_scorer, client_for, persona, status):
    claim = _claim()
    Claim.objects.filter(pk=claim.pk).update(
        changed_since_checked_at=timezone.now(), changed_from_text="Crime rose."
    )
    url = reverse("claims:claim_change_acknowledge", kwargs={"pk": claim.pk})
    response = client_for(persona).post(url, {"version": _version(claim)})
    assert response.status_code == status
    if persona == "anonymous":
        assert response["Location"].startswith(reverse("login"))
    flagged = Claim.objects.get(pk=claim.pk).changed_since_checked_at is not None
    assert flagged is (status != 302 or persona == "anonymous")
    assert client_for(persona).get(url).status_code == (
        405 if status == 302 and persona != "anonymous" else status
    )
