"""Plain-text e-mail whose lines arrive as written.

Django lets Python's e-mail package choose the body's transfer encoding, and it picks
quoted-printable as soon as one line is longer than 78 characters: a one-time link (an
invitation, a password reset) is then cut by ``=`` soft line breaks, and copying it from a
console or a mail client that shows the raw message gives a link that does not work.

:class:`PlainTextEmail` sends the body unencoded instead: ``7bit`` when it is ASCII, ``8bit``
otherwise (every SMTP server of the last twenty years accepts 8BITMIME), as long as every line
stays under the 998 characters the e-mail format allows (quoted-printable otherwise). Links
belong on a line of their own.
"""

from __future__ import annotations

import email.policy

from django.conf import settings
from django.core.mail import EmailMessage

__all__ = ["MAX_LINE", "PlainTextEmail", "send_plain_text"]

# RFC 5322 2.1.1: a line is at most 998 characters, without its CRLF.
MAX_LINE = 998


class PlainTextEmail(EmailMessage):
    """An ``EmailMessage`` whose plain-text body is never quoted-printable or base64 encoded
    (unless a line is too long for the e-mail format)."""

    def message(self, *, policy=email.policy.default):
        msg = super().message(policy=policy)
        if self.attachments or msg.is_multipart() or self.content_subtype != "plain":
            return msg
        body = self.body or ""
        lines = body.splitlines()
        charset = self.encoding or settings.DEFAULT_CHARSET
        if any(len(line.encode(charset)) > MAX_LINE for line in lines):
            return msg
        cte = "7bit" if body.isascii() else "8bit"
        # Replaces the body and its Content-* headers; the other headers stay.
        msg.set_content(body, subtype="plain", charset=charset, cte=cte)
        return msg


def send_plain_text(subject: str, body: str, to: list[str], *, from_email: str | None = None):
    """Send one plain-text e-mail (raises what the mail backend raises)."""
    PlainTextEmail(subject, body, from_email or settings.DEFAULT_FROM_EMAIL, list(to)).send(
        fail_silently=False
    )
