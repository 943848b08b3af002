"""Roles are Django groups; this module is the one place that says what each may do.

``reader`` is the public (anonymous visitors need no account; the group exists for readers
who sign in). Reviewers annotate claims; editors also approve and publish; admins manage
sources, scales, users and policy (and are staff, for ``/admin/``). The desk's own
permissions (dashboard, team, link-check policy) are declared in ``desk/models.py``.
"""

from __future__ import annotations

from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.utils.translation import gettext_lazy as _

READER, REVIEWER, EDITOR, ADMIN = "reader", "reviewer", "editor", "admin"
ROLES = (READER, REVIEWER, EDITOR, ADMIN)
# A role's name as people read it, in their language (the header; "alice is now editor.").
ROLE_NAMES = {
    READER: _("reader"),
    REVIEWER: _("reviewer"),
    EDITOR: _("editor"),
    ADMIN: _("admin"),
}

_REVIEWER_PERMS = {
    "audit.view_auditevent",
    "claims.view_article",
    "claims.add_article",
    "claims.view_claim",
    "claims.add_claim",
    "claims.change_claim",
    "claims.review_claim",
    "sources.view_source",
    "sources.view_link",
    "sources.add_link",
    "desk.view_dashboard",
}
_EDITOR_PERMS = _REVIEWER_PERMS | {
    "claims.publish_claim",
    "claims.change_article",
    "sources.override_link",
}
# Admins hold every permission of these apps.
_ADMIN_APPS = ("audit", "claims", "sources", "auth", "axes", "desk", "reader")

ROLE_PERMISSIONS: dict[str, set[str]] = {
    READER: set(),
    REVIEWER: _REVIEWER_PERMS,
    EDITOR: _EDITOR_PERMS,
}


def _permissions(codes: set[str]) -> list[Permission]:
    wanted = {tuple(code.split(".", 1)) for code in codes}
    perms = Permission.objects.filter(
        content_type__app_label__in={app for app, _ in wanted}
    ).select_related("content_type")
    found = [p for p in perms if (p.content_type.app_label, p.codename) in wanted]
    missing = wanted - {(p.content_type.app_label, p.codename) for p in found}
    if missing:
        raise LookupError(f"Permissions named in roles.py do not exist: {sorted(missing)}")
    return found


def roles_sync() -> dict[str, Group]:
    """Create the role groups and set their permissions to exactly what this module says."""
    groups = {}
    for role in ROLES:
        group, _ = Group.objects.get_or_create(name=role)
        if role == ADMIN:
            perms = list(Permission.objects.filter(content_type__app_label__in=_ADMIN_APPS))
        else:
            perms = _permissions(ROLE_PERMISSIONS[role])
        group.permissions.set(perms)
        groups[role] = group
    return groups


def roles_sync_after_migrate(sender, app_config=None, using="default", apps=None, **kwargs):
    # Permissions are created by another post_migrate handler; make sure they exist first.
    from django.apps import apps as global_apps

    for config in global_apps.get_app_configs():
        create_permissions(config, verbosity=0, using=using)
    roles_sync()


def user_roles(user) -> list[str]:
    if not user.is_authenticated:
        return [READER]
    return sorted(user.groups.filter(name__in=ROLES).values_list("name", flat=True))


def role_assign(user, role: str) -> None:
    """Give ``user`` exactly one role; admins are also staff so they can use ``/admin/``."""
    if role not in ROLES:
        raise ValueError(f"Unknown role {role!r}; roles are {', '.join(ROLES)}.")
    user.groups.remove(*Group.objects.filter(name__in=ROLES))
    user.groups.add(Group.objects.get(name=role))
    if user.is_staff != (role == ADMIN):
        user.is_staff = role == ADMIN
        user.save(update_fields=["is_staff"])
