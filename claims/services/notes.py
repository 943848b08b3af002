"""Notes: the reviewers' thread on a claim, with @mentions."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mass_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit.services import audit_record
from claims.models import Claim, Note
from claims.services.common import REVIEW_PERMISSION, locked_claim, require, reviewers
from factcheck.lib.jobs import send_quietly_on_commit
from factcheck.lib.languages import user_languages
from factcheck.lib.versions import NO_VERSION_CHECK

__all__ = ["MENTION_RE", "mentioned_usernames", "note_add", "note_mentions_notify"]

logger = logging.getLogger(__name__)

# "@alice", "@demo-editor2", "@j.doe": not inside a word or an e-mail address.
MENTION_RE = re.compile(r"(?<![\w@.])@([\w][\w.+-]*[\w]|[\w])")
NOTE_MAX_LENGTH = 10_000
# The same note (author, claim, body, format) posted again within this window is a double
# submission (a double click, a resent form), not a second note.
NOTE_RESUBMIT_WINDOW = timedelta(seconds=30)


def mentioned_usernames(body: str) -> list[str]:
    seen = []
    for name in MENTION_RE.findall(body or ""):
        if name.lower() not in (n.lower() for n in seen):
            seen.append(name)
    return seen


@transaction.atomic
def note_add(*, claim: Claim, user, body: str, format: str = Note.Format.PLAIN) -> Note:
    """Add a note; ``@username`` mentions of reviewers are recorded (others are ignored).

    Posting the same note twice (same author, claim, body and format within
    ``NOTE_RESUBMIT_WINDOW``) adds it once: the second call returns the first note and
    records, mentions and e-mails nothing. As for evidence (the same link twice), the claim
    row is locked first, so two requests at once are checked one after the other."""
    require(user, REVIEW_PERMISSION, _("You may not write notes."))
    claim = locked_claim(user, claim, NO_VERSION_CHECK)
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("The note is empty.")})
    if len(body) > NOTE_MAX_LENGTH:
        raise ValidationError(
            {"body": _("Keep a note under %(max)s characters.") % {"max": NOTE_MAX_LENGTH}}
        )
    if format not in Note.Format.values:
        raise ValidationError({"format": _("Choose plain text or Markdown.")})
    resubmitted = (
        Note.objects.filter(
            claim=claim,
            author=user,
            body=body,
            format=format,
            created_at__gte=timezone.now() - NOTE_RESUBMIT_WINDOW,
        )
        .order_by("-created_at", "-pk")
        .first()
    )
    if resubmitted is not None:
        return resubmitted
    note = Note(claim=claim, author=user, body=body, format=format)
    note.full_clean()
    note.save()
    names = [name.lower() for name in mentioned_usernames(body)]
    mentioned = []
    if names:
        mentioned = [u for u in reviewers() if u.get_username().lower() in names]
        note.mentions.set(mentioned)
    audit_record(
        actor=user,
        action="claims.note.added",
        claim=claim,
        target=note,
        changes={"mentions": [u.get_username() for u in mentioned], "format": format},
    )
    if any(u.pk != user.pk for u in mentioned):
        # A broker outage costs the e-mail, never the note (the mention still lists the
        # note on their review home page).
        from claims.tasks import note_mentions_notify as task

        send_quietly_on_commit(
            task,
            [note.pk],
            logger=logger,
            what=f"the mention e-mails of note {note.pk}",
            max_retries=1,
        )
    return note


def _mention_mail(note: Note) -> tuple[str, str]:
    """The subject and body of a mention e-mail, in the active language."""
    if note.author is not None:
        author = note.author.get_full_name() or note.author.get_username()
    else:
        author = _("A reviewer")
    claim = note.claim
    url = settings.FACTCHECK_SITE_URL.rstrip("/") + reverse(
        "claims:claim_detail", kwargs={"pk": claim.pk}
    )
    author = " ".join(author.split())  # one line: it goes in the subject
    subject = _("%(author)s mentioned you on claim #%(number)s") % {
        "author": author,
        "number": claim.pk,
    }
    body = _(
        "%(author)s mentioned you in a note on claim #%(number)s:\n\n"
        "  “%(claim)s”\n\n"
        "%(note)s\n\n"
        "Open the claim: %(url)s\n"
    ) % {
        "author": author,
        "number": claim.pk,
        "claim": claim.text[:300],
        "note": note.body,
        "url": f"{url}#note-{note.pk}",
    }
    return subject, body


def note_mentions_notify(*, note_id: int) -> int:
    """E-mail each reviewer a note mentions (not its author, not those without an address or
    no longer active): who wrote it, on which claim, the note and a link. Returns how many
    e-mails were sent."""
    note = Note.objects.select_related("claim", "author").filter(pk=note_id).first()
    if note is None:
        return 0
    recipients = note.mentions.filter(is_active=True).exclude(email="")
    if note.author_id:
        recipients = recipients.exclude(pk=note.author_id)
    recipients = list(recipients.order_by("pk"))
    languages = user_languages(recipients)
    messages = []
    for person in recipients:
        # Each in the language the person chose in their settings.
        with translation.override(languages[person.pk]):
            subject, body = _mention_mail(note)
        messages.append((subject, body, settings.DEFAULT_FROM_EMAIL, [person.email]))
    return send_mass_mail(messages, fail_silently=False) if messages else 0
