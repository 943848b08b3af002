"""API tokens: made, revoked, checked. Every change is audited (``api.token.*``)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from api.models import ApiToken
from audit.services import audit_record

__all__ = [
    "TOKEN_PREFIX",
    "TOUCH_EVERY",
    "NewToken",
    "token_create",
    "token_find",
    "token_hash",
    "token_revoke",
    "token_touch",
]

# Every token starts with this, so a leaked one is recognisable (secret scanners, logs).
TOKEN_PREFIX = "fcw_"  # noqa: S105 (a marker, not a secret)
# Characters kept in clear on the tokens page (the prefix and the first few of the secret).
SHOWN_CHARS = len(TOKEN_PREFIX) + 6
# last_used_at is written at most this often per token.
TOUCH_EVERY = timedelta(minutes=1)
MAX_TOKENS_PER_USER = 20


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # the whole token: shown once, never stored


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def token_create(*, user, name: str) -> NewToken:
    """A new token for ``user`` (a random 32-byte secret); only its hash is stored."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name (what it is for).")})
    with transaction.atomic():
        if ApiToken.objects.filter(user=user).active().count() >= MAX_TOKENS_PER_USER:
            raise ValidationError(
                {
                    "name": ngettext(
                        "You have %(count)s token: revoke it if you no longer use it.",
                        "You have %(count)s tokens: revoke one you no longer use.",
                        MAX_TOKENS_PER_USER,
                    )
                    % {"count": MAX_TOKENS_PER_USER}
                }
            )
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = ApiToken(
            user=user, name=name, prefix=secret[:SHOWN_CHARS], secret_hash=token_hash(secret)
        )
        token.full_clean()
        token.save()
        audit_record(
            actor=user,
            action="api.token.created",
            target=token,
            changes={"name": [None, token.name], "prefix": [None, token.prefix]},
        )
    return NewToken(token=token, secret=secret)


def token_revoke(*, user, pk: int) -> ApiToken:
    """Revoke one of ``user``'s tokens (``ApiToken.DoesNotExist`` for anyone else's).
    Revoking a revoked token changes nothing."""
    with transaction.atomic():
        token = ApiToken.objects.visible_to(user).select_for_update().get(pk=pk)
        if token.revoked_at is not None:
            return token
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            actor=user,
            action="api.token.revoked",
            target=token,
            changes={"revoked_at": [None, token.revoked_at.isoformat()]},
            message=f"{token.name} ({token.prefix}…)",
        )
    return token


def token_find(secret: str) -> ApiToken | None:
    """The active token ``secret`` names, with its user, or ``None`` (unknown, revoked).
    Looked up by its hash; the hashes are then compared in constant time."""
    if not secret or not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    digest = token_hash(secret)
    token = ApiToken.objects.select_related("user").filter(secret_hash=digest).first()
    if token is None or not hmac.compare_digest(token.secret_hash, digest):
        return None
    if token.revoked_at is not None:
        return None
    return token


def token_touch(token: ApiToken) -> None:
    """Record that ``token`` was used now, at most once per ``TOUCH_EVERY`` (one conditional
    UPDATE; concurrent requests write once)."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < TOUCH_EVERY:
        return
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - TOUCH_EVERY)
    ).update(last_used_at=now)
    token.last_used_at = now
