"""Permissions and roles come from the cache until who may do what changes; every change
takes effect on the next check (``factcheck/lib/authz.py``, ``factcheck/lib/stamps.py``)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from factcheck.lib.authz import grants
from factcheck.lib.roles import EDITOR, REVIEWER, role_assign
from tests.factories import ClaimFactory, UserFactory

pytestmark = pytest.mark.django_db

PUBLISH = "claims.publish_claim"
REVIEW = "claims.review_claim"


def fresh(user):
    """The user as the next request loads it (no per-object cache)."""
    return get_user_model().objects.get(pk=user.pk)


def permission_queries(queries) -> list[str]:
    return [q["sql"] for q in queries if "auth_permission" in q["sql"] or "auth_group" in q["sql"]]


def test_a_warm_cache_answers_without_a_query(reviewer):
    assert fresh(reviewer).has_perm(REVIEW)
    user = fresh(reviewer)
    with CaptureQueriesContext(connection) as queries:
        assert user.has_perm(REVIEW)
        assert not user.has_perm(PUBLISH)
        assert grants(user).roles == (REVIEWER,)
    assert permission_queries(queries.captured_queries) == []


def test_a_new_role_is_granted_and_an_old_one_revoked_at_once(reviewer):
    assert not fresh(reviewer).has_perm(PUBLISH)  # cached: reviewer
    role_assign(reviewer, EDITOR)
    assert fresh(reviewer).has_perm(PUBLISH)
    assert grants(fresh(reviewer)).roles == (EDITOR,)
    role_assign(reviewer, REVIEWER)
    assert not fresh(reviewer).has_perm(PUBLISH)  # revoked, though the cache was warm


def test_a_group_losing_a_permission_loses_it_for_its_members(editor):
    assert fresh(editor).has_perm(PUBLISH)
    perm = Permission.objects.get(codename="publish_claim", content_type__app_label="claims")
    Group.objects.get(name=EDITOR).permissions.remove(perm)
    assert not fresh(editor).has_perm(PUBLISH)


def test_a_direct_permission_counts_and_its_removal_too(outsider):
    perm = Permission.objects.get(codename="review_claim", content_type__app_label="claims")
    assert not fresh(outsider).has_perm(REVIEW)
    outsider.user_permissions.add(perm)
    assert fresh(outsider).has_perm(REVIEW)
    outsider.user_permissions.remove(perm)
    assert not fresh(outsider).has_perm(REVIEW)


def test_deactivated_and_superuser_flags_are_read_from_the_row(reviewer):
    assert fresh(reviewer).has_perm(REVIEW)
    get_user_model().objects.filter(pk=reviewer.pk).update(is_active=False)  # no signal
    assert not fresh(reviewer).has_perm(REVIEW)
    get_user_model().objects.filter(pk=reviewer.pk).update(is_active=True, is_superuser=True)
    assert fresh(reviewer).has_perm("sources.delete_source")  # recomputed as a superuser


def test_a_recreated_account_with_the_same_id_does_not_inherit_the_cache(editor, roles):
    pk = editor.pk
    assert fresh(editor).has_perm(PUBLISH)
    get_user_model().objects.filter(pk=pk).delete()
    # As after a database is recreated without migrate: same id, another account.
    UserFactory(pk=pk, username="newcomer", date_joined="2020-01-01T00:00:00Z")
    assert not get_user_model().objects.get(pk=pk).has_perm(PUBLISH)


def test_logging_in_does_not_retire_the_cache(reviewer, client):
    from factcheck.lib.stamps import AUTHZ

    token, _ = AUTHZ.read([])
    client.force_login(reviewer)  # writes last_login
    assert AUTHZ.read([])[0] == token
    reviewer.first_name = "Renamed"
    reviewer.save()
    assert AUTHZ.read([])[0] != token


def test_the_claim_page_offers_reviewers_and_levels_as_they_change(
    client_for, admin_persona, roles
):
    from claims import services
    from tests.factories import rating_level

    level = rating_level("mixed")
    claim = ClaimFactory()
    client = client_for("editor")
    url = reverse("claims:claim_detail", kwargs={"pk": claim.pk})
    newcomer = UserFactory(username="newcomer-reviewer")
    assert "newcomer-reviewer" not in client.get(url).content.decode()
    role_assign(newcomer, REVIEWER)
    page = client.get(url).content.decode()
    assert "newcomer-reviewer" in page
    assert f'value="{level.pk}"' in page
    newcomer.is_active = False
    newcomer.save(update_fields=["is_active"])
    services.rating_level_deactivate(actor=fresh(admin_persona), level=level, version=level.version)
    page = client.get(url).content.decode()
    assert "newcomer-reviewer" not in page
    assert f'value="{level.pk}"' not in page


def test_a_change_retires_the_stamp_again_when_it_commits(
    reviewer, django_capture_on_commit_callbacks
):
    from factcheck.lib.stamps import AUTHZ

    before, _ = AUTHZ.read([])
    with django_capture_on_commit_callbacks(execute=True):
        role_assign(reviewer, EDITOR)
        during, _ = AUTHZ.read([])
    after, _ = AUTHZ.read([])
    # A request that read the old rows before the commit stored its answer under `during`.
    assert before != during != after
