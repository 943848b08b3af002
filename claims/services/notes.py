"""Notes: the reviewers' thread on a claim, with @mentions."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import transaction

from claims.models import Claim, Note
from claims.services.audit import audit_record
from claims.services.common import REVIEW_PERMISSION, locked_claim, require, reviewers

__all__ = ["MENTION_RE", "mentioned_usernames", "note_add"]

# "@alice", "@demo-editor2", "@j.doe": not inside a word or an e-mail address.
MENTION_RE = re.compile(r"(?<![\w@.])@([\w][\w.+-]*[\w]|[\w])")
NOTE_MAX_LENGTH = 10_000


def mentioned_usernames(body: str) -> list[str]:
    seen = []
    for name in MENTION_RE.findall(body or ""):
        if name.lower() not in (n.lower() for n in seen):
            seen.append(name)
    return seen


@transaction.atomic
def note_add(*, claim: Claim, user, body: str, format: str = Note.Format.PLAIN) -> Note:
    """Add a note; ``@username`` mentions of reviewers are recorded (others are ignored)."""
    require(user, REVIEW_PERMISSION, "write notes")
    claim = locked_claim(user, claim, None)
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "The note is empty."})
    if len(body) > NOTE_MAX_LENGTH:
        raise ValidationError({"body": f"Keep a note under {NOTE_MAX_LENGTH} characters."})
    if format not in Note.Format.values:
        raise ValidationError({"format": "Choose plain text or Markdown."})
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
    return note
