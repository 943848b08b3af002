"""What a signed-in user may do, read from the database once per change instead of on every
request.

Every workbench page asks "may this user review? publish?" and the menu asks "which roles?":
with Django's ``ModelBackend`` that is three queries a request (the user's own permissions,
their groups' permissions, their role groups). Roles change a few times a month, so the
answers are kept in the cache, one entry per user, under the ``authz`` stamp
(:mod:`factcheck.lib.stamps`), which every change to who may do what retires: a revoked role
takes effect on the very next request of every process.

What retires it (connected by :func:`connect_signals`, from the ``factcheck.lib`` app's
``ready``): a user's groups or own permissions changed, a group's permissions changed, a group
or permission saved or deleted, a user saved (other than the log-in time or the password) or
deleted, and every ``migrate``. ``is_active`` comes from the request's own user row, never
from the cache; an entry also records the user's ``is_superuser`` and ``date_joined`` and is
recomputed when they differ (a recreated database reuses ids).

The same stamp keys :func:`cached_for_roles`: small site-wide lists that depend on who holds
which role (the reviewers a claim can be assigned to).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_save

from factcheck.lib.roles import ROLES
from factcheck.lib.stamps import AUTHZ


@dataclass(frozen=True)
class Grants:
    """A user's permissions (``"app_label.codename"``) and role names."""

    permissions: frozenset[str]
    roles: tuple[str, ...]


def _grants_from_database(user) -> Grants:
    if user.is_superuser:
        rows = Permission.objects.all()
    else:
        rows = Permission.objects.filter(Q(user=user) | Q(group__user=user)).distinct()
    pairs = rows.values_list("content_type__app_label", "codename")
    permissions = frozenset(f"{app}.{codename}" for app, codename in pairs)
    roles = tuple(sorted(user.groups.filter(name__in=ROLES).values_list("name", flat=True)))
    return Grants(permissions, roles)


def grants(user) -> Grants:
    """``user``'s permissions and roles (kept on the object for the rest of the request)."""
    held = getattr(user, "_authz_grants", None)
    if held is not None:
        return held
    name = f"user:{user.pk}"
    token, answers = AUTHZ.read([name])
    identity = (bool(user.is_superuser), user.date_joined.isoformat())
    entry = answers.get(name)
    if entry is not None and entry[0] == identity:
        held = entry[1]
    else:
        held = _grants_from_database(user)
        AUTHZ.store(token, name, (identity, held))
    user._authz_grants = held
    return held


def cached_for_roles(name: str, compute: Callable[[], Any]) -> Any:
    """``compute()``, kept until who holds which role (or a user's name) changes."""
    return AUTHZ.cached(f"list:{name}", compute)


class CachedModelBackend(ModelBackend):
    """Django's ``ModelBackend`` (same authentication, same answers) with the permission
    lookup served by :func:`grants`."""

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            user_obj._perm_cache = set(grants(user_obj).permissions)
        return user_obj._perm_cache


def _user_saved(sender, instance, created, update_fields=None, **kwargs) -> None:
    # Logging in writes last_login; changing a password writes password: neither changes
    # what anyone may do or how they are listed.
    if update_fields is not None and set(update_fields) <= {"last_login", "password"}:
        return
    AUTHZ.retire()


def connect_signals() -> None:
    user_model = get_user_model()
    throughs = (
        user_model.groups.through,
        user_model.user_permissions.through,
        Group.permissions.through,
    )
    for through in throughs:
        m2m_changed.connect(AUTHZ.retire, sender=through, dispatch_uid=f"authz-m2m-{through}")
    for model in (Group, Permission, user_model):
        post_delete.connect(AUTHZ.retire, sender=model, dispatch_uid=f"authz-delete-{model}")
    for model in (Group, Permission):
        post_save.connect(AUTHZ.retire, sender=model, dispatch_uid=f"authz-save-{model}")
    post_save.connect(_user_saved, sender=user_model, dispatch_uid="authz-user-save")
