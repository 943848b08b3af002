"""The last admin under real concurrency: two admins deactivate (or demote) each other at
the same moment, each on its own database connection. One wins; the other is refused (the
last admin stays, or the loser is no longer allowed to act), never an error; the desk keeps
exactly one admin. PostgreSQL only (SQLite serialises writers)."""

from __future__ import annotations

import threading

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from desk import services
from factcheck.lib.roles import ADMIN, EDITOR, role_assign, roles_sync, user_roles
from tests.factories import UserFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
ROUNDS = 5


def _race(first, second) -> list[str]:
    start = threading.Barrier(2)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(action) -> None:
        from django.db import connections

        try:
            start.wait(timeout=30)
            action()
            result = "ok"
        except ValidationError as exc:
            result = "refused" if "last active admin" in str(exc) else f"other: {exc}"
        except PermissionDenied:  # the winner's change committed before this one started
            result = "refused"
        except Exception as exc:  # pragma: no cover - reported by the assertion
            result = f"error: {type(exc).__name__}: {exc}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(action,)) for action in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(outcomes)


@pytest.mark.parametrize("how", ["deactivate", "demote"])
def test_two_admins_removing_each_other_at_once_leave_one_admin(how):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL): SQLite runs one writer at a time")
    roles_sync()
    User = get_user_model()
    for round_ in range(ROUNDS):
        a = UserFactory(username=f"a{round_}")
        b = UserFactory(username=f"b{round_}")
        role_assign(a, ADMIN)
        role_assign(b, ADMIN)
        # Everyone else stops being an admin, so these two are the desk's only ones.
        User.objects.exclude(pk__in=[a.pk, b.pk]).update(is_active=False)

        def remove(actor, target):
            actor = User.objects.get(pk=actor.pk)
            if how == "deactivate":
                return lambda: services.user_deactivate(actor=actor, user=target)
            return lambda: services.user_change_role(actor=actor, user=target, role=EDITOR)

        assert _race(remove(a, b), remove(b, a)) == ["ok", "refused"]
        admins = [
            u
            for u in User.objects.filter(pk__in=[a.pk, b.pk])
            if u.is_active and ADMIN in user_roles(u)
        ]
        assert len(admins) == 1


def test_two_admins_inviting_the_same_address_at_once_make_one_account():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL): SQLite runs one writer at a time")
    roles_sync()
    User = get_user_model()
    a, b = UserFactory(username="inviter-a"), UserFactory(username="inviter-b")
    role_assign(a, ADMIN)
    role_assign(b, ADMIN)
    for round_ in range(ROUNDS):
        address = f"newcomer{round_}@example.org"

        def invite(actor, spelling):
            return lambda: services.user_invite(
                actor=User.objects.get(pk=actor.pk), email=spelling, name="New Comer", role=EDITOR
            )

        outcomes = _race(invite(a, address), invite(b, address.upper()))
        assert outcomes[0] == "ok", outcomes
        loser = outcomes[1]
        assert "already belongs" in loser or "invited by someone else" in loser, outcomes
        assert not any(o.startswith("error") for o in outcomes), outcomes
        assert User.objects.filter(email__iexact=address).count() == 1
