"""@mentions reach the people they name: an e-mail per mentioned reviewer (sent by a job),
and a "Mentions of you" list on their review home page."""

from __future__ import annotations

import logging

import pytest
from django.urls import reverse
from kombu.exceptions import OperationalError

from claims import services
from claims.tasks import note_mentions_notify as notify_task
from factcheck.lib.roles import REVIEWER, role_assign
from tests.factories import ClaimFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def run_jobs_here(monkeypatch):
    """The job runs in this process, as a worker would run it (the broker is not the subject)."""
    monkeypatch.setattr(notify_task, "apply_async", lambda args, **kw: notify_task.apply(args))


def _note(claim, user, body, callbacks):
    with callbacks(execute=True):
        return services.note_add(claim=claim, user=user, body=body)


def test_a_mentioned_reviewer_gets_an_email_with_the_note_and_a_link(
    reviewer, editor, mailoutbox, run_jobs_here, django_capture_on_commit_callbacks, settings
):
    settings.FACTCHECK_SITE_URL = "https://desk.example.org"
    editor.email = "editor@example.org"
    editor.save()
    claim = ClaimFactory(text="The mayor owns three cars.")
    note = _note(claim, reviewer, "@persona-editor can you check the register?",
                 django_capture_on_commit_callbacks)  # fmt: skip
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["editor@example.org"]
    assert mail.subject == f"persona-reviewer mentioned you on claim #{claim.pk}"
    assert "can you check the register?" in mail.body
    assert "The mayor owns three cars." in mail.body
    assert f"https://desk.example.org/review/claims/{claim.pk}/#note-{note.pk}" in mail.body


def test_each_mentioned_person_is_written_to_in_the_language_they_chose(
    reviewer, editor, mailoutbox, run_jobs_here, django_capture_on_commit_callbacks
):
    from factcheck.lib.models import LanguagePreference

    editor.email = "editor@example.org"
    editor.save()
    other = UserFactory(username="sami", email="sami@example.org")
    role_assign(other, REVIEWER)
    LanguagePreference.objects.create(user=other, language="ar")
    claim = ClaimFactory()
    _note(claim, reviewer, "@persona-editor @sami please look",
          django_capture_on_commit_callbacks)  # fmt: skip
    subjects = {mail.to[0]: mail.subject for mail in mailoutbox}
    assert subjects["editor@example.org"] == f"persona-reviewer mentioned you on claim #{claim.pk}"
    assert subjects["sami@example.org"] == f"أشار إليك persona-reviewer في الادعاء رقم {claim.pk}"


def test_nobody_is_emailed_for_a_mention_of_themself_or_without_an_address(
    reviewer, mailoutbox, run_jobs_here, django_capture_on_commit_callbacks
):
    reviewer.email = "me@example.org"
    reviewer.save()
    silent = UserFactory(username="no-address", email="")
    role_assign(silent, REVIEWER)
    gone = UserFactory(username="gone", email="gone@example.org", is_active=False)
    role_assign(gone, REVIEWER)
    claim = ClaimFactory()
    note = _note(claim, reviewer, "Note to self @persona-reviewer, and @no-address @gone",
                 django_capture_on_commit_callbacks)  # fmt: skip
    assert {u.username for u in note.mentions.all()} >= {"persona-reviewer", "no-address"}
    assert mailoutbox == []


def test_a_broker_outage_loses_the_email_but_never_the_note(
    reviewer, editor, mailoutbox, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(notify_task, "apply_async", broker_down)
    claim = ClaimFactory()
    with caplog.at_level(logging.WARNING, logger="claims.services.notes"):
        note = _note(claim, reviewer, "@persona-editor look", django_capture_on_commit_callbacks)
    assert claim.notes.get() == note and note.mentions.get() == editor
    assert mailoutbox == []
    assert "could not enqueue the mention e-mails" in caplog.text


def test_the_review_home_lists_the_notes_that_mention_you(
    client_for, reviewer, editor, django_capture_on_commit_callbacks
):
    claim = ClaimFactory()
    _note(
        claim, reviewer, "@persona-editor <b>look</b> at this", django_capture_on_commit_callbacks
    )
    _note(claim, reviewer, "No mention here", django_capture_on_commit_callbacks)
    html = client_for("editor").get(reverse("claims:home")).content.decode()
    assert "Mentions of you" in html
    assert f"/review/claims/{claim.pk}/#note-" in html
    assert "&lt;b&gt;look&lt;/b&gt;" in html and "<b>look</b>" not in html
    assert "No mention here" not in html
    # The author is not shown their own mention of someone else.
    assert (
        "Mentions of you" not in client_for("reviewer").get(reverse("claims:home")).content.decode()
    )
