"""A note posted twice (a double click, a resent form) is added once: the second request
answers as the first did, with no second note, audit event or mention e-mail."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from claims import services
from claims.models import Note
from claims.services.notes import NOTE_RESUBMIT_WINDOW
from claims.tasks import note_mentions_notify as notify_task
from tests.factories import ClaimFactory

pytestmark = pytest.mark.django_db

WRITERS = 8
NOTE = {"body": "@persona-editor can you check the register?", "format": "markdown"}


@pytest.fixture
def run_jobs_here(monkeypatch):
    """The job runs in this process, as a worker would run it (the broker is not the subject)."""
    monkeypatch.setattr(notify_task, "apply_async", lambda args, **kw: notify_task.apply(args))


@pytest.fixture
def editor_with_address(editor):
    editor.email = "editor@example.org"
    editor.save()
    return editor


def _post(client, claim, data, callbacks, **extra):
    with callbacks(execute=True):
        return client.post(reverse("claims:note_add", kwargs={"pk": claim.pk}), data, **extra)


def _added(claim) -> int:
    return AuditEvent.objects.filter(action="claims.note.added", claim_id=claim.pk).count()


def test_two_identical_posts_add_one_note_one_event_and_one_email(
    client_for, editor_with_address, mailoutbox, run_jobs_here, django_capture_on_commit_callbacks
):
    client, claim = client_for("reviewer"), ClaimFactory()
    claim_page = reverse("claims:claim_detail", kwargs={"pk": claim.pk}) + "#notes"
    first = _post(client, claim, NOTE, django_capture_on_commit_callbacks)
    second = _post(client, claim, NOTE, django_capture_on_commit_callbacks)
    assert (first.status_code, first["Location"]) == (302, claim_page)
    assert (second.status_code, second["Location"]) == (302, claim_page)
    note = claim.notes.get()
    assert note.mentions.get() == editor_with_address
    assert _added(claim) == 1
    assert [mail.to for mail in mailoutbox] == [["editor@example.org"]]
    # The page the second request leads to says what the first one's did.
    page = client.get(claim_page).content.decode()
    assert "Note added. Mentioned: persona-editor." in page
    assert page.count(f'id="note-{note.pk}"') == 1


def test_a_resent_htmx_post_answers_with_the_workspace_and_adds_nothing(
    client_for, editor, django_capture_on_commit_callbacks
):
    client, claim = client_for("reviewer"), ClaimFactory()
    _post(client, claim, NOTE, django_capture_on_commit_callbacks)
    again = _post(client, claim, NOTE, django_capture_on_commit_callbacks, HTTP_HX_REQUEST="true")
    assert again.status_code == 200
    assert "Note added." in again.content.decode()
    assert claim.notes.count() == 1 and _added(claim) == 1


def test_the_same_text_after_the_window_or_in_another_format_is_a_new_note(
    client_for, editor_with_address, mailoutbox, run_jobs_here, django_capture_on_commit_callbacks
):
    client, claim = client_for("reviewer"), ClaimFactory()
    _post(client, claim, NOTE, django_capture_on_commit_callbacks)
    _post(client, claim, {**NOTE, "format": "plain"}, django_capture_on_commit_callbacks)
    assert claim.notes.count() == 2
    Note.objects.update(created_at=timezone.now() - NOTE_RESUBMIT_WINDOW * 2)
    _post(client, claim, NOTE, django_capture_on_commit_callbacks)
    assert claim.notes.count() == 3 and _added(claim) == 3
    assert len(mailoutbox) == 3


def test_another_reviewer_or_another_claim_gets_its_own_note(
    client_for, editor, django_capture_on_commit_callbacks
):
    claim, other_claim = ClaimFactory(), ClaimFactory()
    _post(client_for("reviewer"), claim, NOTE, django_capture_on_commit_callbacks)
    _post(client_for("editor"), claim, NOTE, django_capture_on_commit_callbacks)
    _post(client_for("reviewer"), other_claim, NOTE, django_capture_on_commit_callbacks)
    assert claim.notes.count() == 2 and other_claim.notes.count() == 1
    assert (
        Note.objects.count() == 3
        and AuditEvent.objects.filter(action="claims.note.added").count() == 3
    )


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_eight_identical_notes_posted_at_once_add_one(reviewer, editor):
    """A double click sends its requests at once: the claim row's lock makes the later ones
    wait, then find the note the first one added. PostgreSQL only (SQLite serialises
    writers)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL): SQLite runs one writer at a time")
    claim = ClaimFactory()
    start = threading.Barrier(WRITERS)
    outcomes: list[object] = []
    lock = threading.Lock()

    def post() -> None:
        from django.db import connections

        try:
            start.wait(timeout=30)
            result = services.note_add(claim=claim, user=reviewer, **NOTE).pk
        except Exception as exc:  # pragma: no cover - reported by the assertion below
            result = f"error: {type(exc).__name__}: {exc}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=post) for _ in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    note = Note.objects.get(claim=claim)
    assert outcomes == [note.pk] * WRITERS
    assert _added(claim) == 1
