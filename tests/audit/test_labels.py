"""Histories speak in words: every action code the apps write has a registered label, a
timeline never shows a code, and one action is one entry (the claim's event that goes with
the verdict's, or the same change recorded twice, is not shown twice)."""

from __future__ import annotations

import ast
import importlib.util
import itertools
import re
from datetime import timedelta
from pathlib import Path

import pytest

from audit import actions
from audit.models import AuditEvent
from audit.selectors import timeline
from claims import services
from claims.selectors import claim_history
from factcheck.lib.versions import NO_VERSION_CHECK
from tests.factories import ClaimFactory, rating_level

ROOT = Path(__file__).resolve().parents[2]
APPS = ("audit", "sources", "claims", "reader", "desk", "factcheck")
CODE = re.compile(r"(?:audit|sources|claims|reader|desk)\.[a-z_]+\.[a-z_]+")
# Dotted strings that look like action codes and are something else.
NOT_ACTIONS = {"sources.import.preview"}  # the signing salt of a CSV import's preview


def _strings(node) -> list[str]:
    """The strings an expression can be: a literal, ``a if c else b``, or an f-string
    whose holes are such choices (``f"claims.level.{'on' if x else 'off'}"``)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _strings(node.body) + _strings(node.orelse)
    if isinstance(node, ast.JoinedStr):
        results = [""]
        for value in node.values:
            options = _strings(value.value if isinstance(value, ast.FormattedValue) else value)
            if not options:
                return []
            results = [head + tail for head in results for tail in options]
        return results
    return []


def _is_module_path(code: str) -> bool:
    """``claims.services.ingest`` is a module (or names something in one), not an action."""
    try:
        return importlib.util.find_spec(code.rsplit(".", 1)[0]) is not None
    except ModuleNotFoundError:
        return False


def action_codes_in_code() -> dict[str, str]:
    """Every action code written in the apps' code (not their tests or migrations), with
    where it was found."""
    found: dict[str, str] = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts or path.name == "audit_labels.py":
                continue
            tree = ast.parse(path.read_text(), filename=str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.Constant | ast.IfExp | ast.JoinedStr):
                    for text in _strings(node):
                        if (
                            CODE.fullmatch(text)
                            and text not in NOT_ACTIONS
                            and not _is_module_path(text)
                        ):
                            found.setdefault(text, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_every_action_code_written_in_the_code_has_a_label():
    codes = action_codes_in_code()
    # The scan finds the codes written with audit_record(action=...), edit_action = ...,
    # conditional codes and f-strings alike.
    for expected in (
        "claims.claim.submitted",  # audit_record(action="...")
        "claims.article.edited",  # edit_action = "..." (the admin)
        "sources.evidence.recovered",  # "..." if at_risk else "..."
        "claims.rating_level.reactivated",  # f"claims.rating_level.{...}"
        "desk.user.password_reset",  # a mapping's value
    ):
        assert expected in codes
    missing = {code: where for code, where in codes.items() if code not in actions.registered()}
    assert missing == {}, "register a label in the app's audit_labels.py for: " + ", ".join(
        f"{code} ({where})" for code, where in sorted(missing.items())
    )


def test_every_label_is_words_not_a_code():
    for code, label in actions.registered().items():
        assert label and not CODE.search(label), code


def test_an_unregistered_code_is_still_shown_in_words():
    assert actions.label("claims.widget.frobbed_twice") == "frobbed twice (widget)"


pytestmark = pytest.mark.django_db


def _workflow(reviewer, editor):
    claim = ClaimFactory()
    services.claim_start_review(claim=claim, user=reviewer, version=NO_VERSION_CHECK)
    for level, summary in (("false", "First."), ("mixed", "Second.")):
        services.verdict_save(
            claim=claim,
            user=reviewer,
            rating=rating_level(level),
            summary=summary,
            rationale="The accounts.",
            version=NO_VERSION_CHECK,
        )
    services.claim_submit_for_approval(claim=claim, user=reviewer, version=NO_VERSION_CHECK)
    services.claim_publish(claim=claim, user=editor, version=NO_VERSION_CHECK)
    return claim


def test_a_claims_timeline_has_one_entry_per_action(reviewer, editor):
    claim = _workflow(reviewer, editor)
    # Each workflow step wrote the verdict's event and the claim's ...
    assert AuditEvent.objects.filter(claim_id=claim.pk).count() == 9
    entries = list(reversed(claim_history(user=editor, claim=claim)))
    # ... and the timeline shows each step once, in words.
    assert [entry.label for entry in entries] == [
        "started the review",
        "drafted a verdict",
        "edited the verdict",
        "submitted the verdict for approval",
        "approved and published the verdict",
    ]
    for before, after in itertools.pairwise(entries):
        assert (before.label, before.event.actor_id) != (after.label, after.event.actor_id)
    # The claim's part is shown within the verdict's entry.
    submitted = {name: (old, new) for name, old, new in entries[3].changes}
    assert submitted["status"] == ("in_review", "awaiting_approval")
    assert submitted["state"] == ("draft", "awaiting_approval")
    published = {name: (old, new) for name, old, new in entries[4].changes}
    assert published["status"] == ("awaiting_approval", "published")


def test_the_same_change_recorded_twice_is_shown_once_and_distinct_actions_stay(reviewer):
    claim = ClaimFactory()
    first = AuditEvent.objects.create(
        action="claims.claim.assigned",
        actor=reviewer,
        claim_id=claim.pk,
        article_id=claim.article_id,
        changes={"assignee": [None, reviewer.username]},
    )
    again = AuditEvent.objects.create(
        action="claims.claim.assigned",
        actor=reviewer,
        claim_id=claim.pk,
        article_id=claim.article_id,
        changes={"assignee": [None, reviewer.username]},
    )
    later = AuditEvent.objects.create(
        action="claims.claim.assigned",
        actor=reviewer,
        claim_id=claim.pk,
        article_id=claim.article_id,
        changes={"assignee": [None, reviewer.username]},
    )
    # The third is the same change, an hour later: another action, shown.
    AuditEvent.objects.filter(pk=later.pk).update(created_at=first.created_at + timedelta(hours=1))
    events = AuditEvent.objects.filter(claim_id=claim.pk).order_by("-created_at", "-id")
    entries = timeline(events)
    assert [entry.event.pk for entry in entries] == [later.pk, again.pk]


def test_the_claim_page_history_shows_labels_and_no_codes(reviewer, editor, client_for):
    claim = _workflow(reviewer, editor)
    page = client_for("editor").get(f"/review/claims/{claim.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "submitted the verdict for approval" in text
    assert text.count("submitted the verdict for approval") == 1
    assert not re.search(r"\b(claims|sources|desk|reader|audit)\.[a-z_]+\.[a-z_]+\b", text)
