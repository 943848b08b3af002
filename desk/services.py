"""Writes of the desk: inviting users, changing their role, deactivating and reactivating
them, and recording password changes. Views call these; each writes an audit event
(``desk.user.*``, target = the user) in the same transaction as its change.

Roles are groups (``factcheck.lib.roles``). Nothing here deletes a user: a deactivated
user's claims, evidence, verdicts and audit events keep pointing at them.
"""

from __future__ import annotations

import re
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext, gettext_lazy, ngettext

from audit.services import audit_record
from claims.services.common import require
from factcheck.lib.mail import send_plain_text
from factcheck.lib.roles import ADMIN, EDITOR, REVIEWER, role_assign, user_roles

__all__ = [
    "MANAGE_TEAM",
    "TEAM_ROLES",
    "role_of",
    "user_change_role",
    "user_deactivate",
    "user_invitation_resend",
    "user_invite",
    "user_password_set",
    "user_reactivate",
]

MANAGE_TEAM = "desk.manage_team"
# The roles an admin hands out (``reader`` is for the public and needs no invitation).
TEAM_ROLES = (REVIEWER, EDITOR, ADMIN)
NAME_MAX = 150  # first_name + last_name are 150 characters each; the name goes in both.
_USERNAME_CHARS = re.compile(r"[^\w.+-]")


def role_of(user) -> str:
    """The user's role, or ``""`` if they hold none."""
    roles = user_roles(user)
    return roles[0] if roles else ""


def _active_admins():
    User = get_user_model()
    return User.objects.filter(Q(groups__name=ADMIN) | Q(is_superuser=True), is_active=True)


def _locked(user):
    """Lock the active admins' rows (in primary-key order), then ``user``'s, for this
    transaction. Every change that could remove an admin takes its locks in this order, so
    two of them at once wait for each other instead of deadlocking, and the second one
    counts the admins after the first has committed."""
    User = get_user_model()
    # FOR UPDATE on the user rows alone (PostgreSQL refuses it with DISTINCT or outer joins).
    list(
        User.objects.select_for_update()
        .filter(pk__in=_active_admins().values("pk"))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return User.objects.select_for_update().get(pk=user.pk)


_CHANGING_ROLE, _DEACTIVATING = "changing their role", "deactivating them"


def _refuse_removing_last_admin(user, what: str) -> None:
    """Called with the locks of :func:`_locked` held. The count is a new statement, so it
    sees what a concurrent change committed while this one waited for the locks."""
    admins = set(_active_admins().values_list("pk", flat=True))
    if user.pk in admins and len(admins) == 1:
        message = (
            gettext(
                "%(username)s is the last active admin: changing their role would leave nobody "
                "to manage the desk. Make someone else an admin first."
            )
            if what == _CHANGING_ROLE
            else gettext(
                "%(username)s is the last active admin: deactivating them would leave nobody "
                "to manage the desk. Make someone else an admin first."
            )
        )
        raise ValidationError(message % {"username": user.get_username()})


def _username_for(email: str) -> str:
    """A free username from the e-mail's local part (``maria.lopez``, ``maria.lopez2``...),
    compared case-insensitively so two accounts never differ by case alone."""
    User = get_user_model()
    base = _USERNAME_CHARS.sub("", email.split("@", 1)[0].lower())[:140] or "user"
    taken = {
        name.lower()
        for name in User.objects.filter(username__istartswith=base).values_list(
            "username", flat=True
        )
    }
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        candidate = f"{base}{number}"
    return candidate


def _split_name(name: str) -> tuple[str, str]:
    """``first_name`` is the first word, ``last_name`` the rest: ``get_full_name()`` gives
    the name back as typed (with its spaces collapsed)."""
    first, _, rest = " ".join(name.split()).partition(" ")
    return first, rest


def invitation_link(*, user, base_url: str) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("invitation_accept", kwargs={"uidb64": uid, "token": token})
    return f"{base_url.rstrip('/')}{path}"


def _invitation_send(*, user, actor, base_url: str | None) -> None:
    """E-mail the one-time set-password link. A failure raises ``ValidationError`` so the
    caller's transaction rolls back (no account nobody was told about)."""
    base_url = base_url or settings.FACTCHECK_SITE_URL
    timeout = timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)
    context = {
        "user": user,
        "name": user.get_full_name() or user.get_username(),
        "invited_by": (actor.get_full_name() or actor.get_username())
        if actor
        else gettext("An admin"),
        "role": role_of(user),
        "a_role": _with_article(role_of(user)),
        "link": invitation_link(user=user, base_url=base_url),
        "login_url": f"{base_url.rstrip('/')}{reverse('login')}",
        "valid_for": _describe_timeout(timeout),
        "site_name": settings.FACTCHECK_SITE_NAME,
    }
    subject = render_to_string("desk/invitation_subject.txt", context).strip()
    body = render_to_string("desk/invitation_email.txt", context)
    try:
        # Sent unencoded: the link stays whole on its own line (factcheck.lib.mail).
        send_plain_text(subject, body, [user.email])
    except Exception as exc:  # any mail backend error: SMTP, connection, configuration
        raise ValidationError(
            gettext(
                "The invitation e-mail to %(email)s could not be sent (%(error)s); nothing was "
                "saved. Check the e-mail settings and try again."
            )
            % {"email": user.email, "error": exc}
        ) from exc


_ROLE_WITH_ARTICLE = {
    REVIEWER: gettext_lazy("a reviewer"),
    EDITOR: gettext_lazy("an editor"),
    ADMIN: gettext_lazy("an admin"),
}


def _with_article(word: str) -> str:
    """The role in "invited you ... as <a role>"."""
    if not word:
        return gettext("a member")
    known = _ROLE_WITH_ARTICLE.get(word)
    return str(known) if known is not None else f"{'an' if word[:1] in 'aeiou' else 'a'} {word}"


def _describe_timeout(timeout: timedelta) -> str:
    hours = int(timeout.total_seconds() // 3600)
    if hours >= 48 and hours % 24 == 0:
        days = hours // 24
        return ngettext("%(count)s day", "%(count)s days", days) % {"count": days}
    if hours >= 1:
        return ngettext("%(count)s hour", "%(count)s hours", hours) % {"count": hours}
    minutes = max(1, int(timeout.total_seconds() // 60))
    return ngettext("%(count)s minute", "%(count)s minutes", minutes) % {"count": minutes}


@transaction.atomic
def user_invite(*, actor, email: str, name: str, role: str, base_url: str | None = None):
    """Create an active account with no usable password and the given role, and e-mail
    its owner a one-time link to choose a password (valid ``PASSWORD_RESET_TIMEOUT``).

    Refuses an e-mail address that any account already has (case-insensitively)."""
    require(actor, MANAGE_TEAM, "invite users")
    User = get_user_model()
    email = (email or "").strip()
    name = " ".join((name or "").split())
    errors: dict[str, str] = {}
    if not email:
        errors["email"] = gettext("Give the e-mail address to send the invitation to.")
    else:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = gettext("This is not a valid e-mail address.")
    if not name:
        errors["name"] = gettext("Give the person's name.")
    elif len(name) > NAME_MAX:
        errors["name"] = gettext("The name is longer than %(max)s characters.") % {"max": NAME_MAX}
    if role not in TEAM_ROLES:
        errors["role"] = gettext("Choose one of: %(roles)s.") % {"roles": ", ".join(TEAM_ROLES)}
    if "email" not in errors:
        existing = User.objects.filter(email__iexact=email).order_by("pk").first()
        if existing is not None:
            taken = (
                gettext(
                    "%(email)s already belongs to the account %(username)s: change that "
                    "account's role instead of inviting it again."
                )
                if existing.is_active
                else gettext(
                    "%(email)s already belongs to the account %(username)s, deactivated: change "
                    "that account's role instead of inviting it again."
                )
            )
            errors["email"] = taken % {"email": email, "username": existing.get_username()}
    if errors:
        raise ValidationError(errors)
    local, _, domain = email.rpartition("@")
    email = f"{local}@{domain.lower()}"
    first, last = _split_name(name)
    user = User(username=_username_for(email), email=email, first_name=first, last_name=last)
    user.set_unusable_password()
    try:
        user.full_clean()
    except ValidationError as exc:
        fields = {"first_name": "name", "last_name": "name", "username": "email"}
        raise ValidationError(
            {fields.get(key, key): value for key, value in exc.message_dict.items()}
        ) from exc
    try:
        with transaction.atomic():  # a savepoint: the unique index may refuse the row
            user.save()
    except IntegrityError:
        # Another admin invited the same address (any case), or took the same username,
        # since the checks above.
        if User.objects.filter(email__iexact=email).exists():
            message = gettext(
                "%(email)s was invited by someone else a moment ago: it has an account now."
            ) % {"email": email}
        else:
            message = gettext(
                "Another invitation was being created at the same moment: send it again."
            )
        raise ValidationError({"email": message}) from None
    role_assign(user, role)
    audit_record(
        actor=actor,
        action="desk.user.invited",
        target=user,
        changes={"username": user.get_username(), "email": email, "role": role},
    )
    _invitation_send(user=user, actor=actor, base_url=base_url)
    return user


@transaction.atomic
def user_invitation_resend(*, actor, user, base_url: str | None = None):
    """A new set-password link for an invited user who has not chosen a password yet."""
    require(actor, MANAGE_TEAM, "invite users")
    user = get_user_model().objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        raise ValidationError(
            gettext("%(username)s is deactivated: reactivate them first.")
            % {"username": user.get_username()}
        )
    if user.has_usable_password():
        raise ValidationError(
            gettext(
                "%(username)s has already chosen a password; if they forgot it, they can reset "
                "it from the log-in page."
            )
            % {"username": user.get_username()}
        )
    if not user.email:
        raise ValidationError(
            gettext("%(username)s has no e-mail address to send it to.")
            % {"username": user.get_username()}
        )
    audit_record(actor=actor, action="desk.user.invitation_resent", target=user)
    _invitation_send(user=user, actor=actor, base_url=base_url)
    return user


@transaction.atomic
def user_change_role(*, actor, user, role: str):
    """Give ``user`` exactly one of the team roles. An admin cannot change their own role,
    and the last active admin cannot be demoted."""
    require(actor, MANAGE_TEAM, "change roles")
    if role not in TEAM_ROLES:
        raise ValidationError(
            {"role": gettext("Choose one of: %(roles)s.") % {"roles": ", ".join(TEAM_ROLES)}}
        )
    if user.pk == actor.pk:
        raise ValidationError(
            {"role": gettext("You cannot change your own role: ask another admin to do it.")}
        )
    user = _locked(user)
    before = role_of(user)
    if before == role:
        return user
    if before == ADMIN:
        _refuse_removing_last_admin(user, _CHANGING_ROLE)
    role_assign(user, role)
    audit_record(
        actor=actor,
        action="desk.user.role_changed",
        target=user,
        changes={"role": [before or None, role]},
    )
    return user


@transaction.atomic
def user_deactivate(*, actor, user):
    """Stop ``user`` from logging in (their sessions stop working too: Django refuses
    inactive users on every request). Everything they did stays attributed to them."""
    require(actor, MANAGE_TEAM, "deactivate users")
    if user.pk == actor.pk:
        raise ValidationError(
            gettext("You cannot deactivate yourself: ask another admin to do it.")
        )
    user = _locked(user)
    if not user.is_active:
        raise ValidationError(
            gettext("%(username)s is already deactivated.") % {"username": user.get_username()}
        )
    _refuse_removing_last_admin(user, _DEACTIVATING)
    return _active_set(user, actor=actor, active=False)


@transaction.atomic
def user_reactivate(*, actor, user):
    require(actor, MANAGE_TEAM, "reactivate users")
    user = get_user_model().objects.select_for_update().get(pk=user.pk)
    if user.is_active:
        raise ValidationError(
            gettext("%(username)s is already active.") % {"username": user.get_username()}
        )
    return _active_set(user, actor=actor, active=True)


def _active_set(user, *, actor, active: bool):
    """Deactivate or reactivate the locked account, and record it."""
    user.is_active = active
    user.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        action="desk.user.reactivated" if active else "desk.user.deactivated",
        target=user,
        changes={"is_active": [not active, active]},
    )
    return user


def user_password_set(*, user, via: str) -> None:
    """Record that ``user`` chose a password through a one-time link (``via`` is
    ``"invitation"`` or ``"reset"``); Django's set-password form has saved it. Called
    inside the view's transaction."""
    action = {
        "invitation": "desk.user.invitation_accepted",
        "reset": "desk.user.password_reset",
    }[via]
    audit_record(actor=user, action=action, target=user)
