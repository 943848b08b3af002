"""Who may use the desk's POST-only URLs (the authorization matrix covers the pages):
anonymous visitors are sent to log in, everyone but admins gets 403, and nothing changes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from tests.conftest import PERSONAS
from tests.factories import UserFactory, rating_level

pytestmark = pytest.mark.django_db

POST_ONLY = {
    "desk:user_role": lambda: ({"pk": UserFactory().pk}, {"role": "editor"}),
    "desk:user_deactivate": lambda: ({"pk": UserFactory().pk}, {}),
    "desk:user_reactivate": lambda: ({"pk": UserFactory(is_active=False).pk}, {}),
    "desk:user_invitation_resend": lambda: ({"pk": UserFactory().pk}, {}),
    "desk:scale_activate": lambda: ({"pk": rating_level().scale_id}, {"version": 1}),
    "desk:level_deactivate": lambda: ({"pk": rating_level("mixed").pk}, {"version": 1}),
    "desk:level_reactivate": lambda: ({"pk": rating_level("mixed").pk}, {"version": 1}),
    "desk:level_delete": lambda: ({"pk": rating_level("satire-opinion").pk}, {"version": 1}),
}


@pytest.mark.parametrize("name", sorted(POST_ONLY))
@pytest.mark.parametrize("persona", PERSONAS)
def test_only_admins_may_post_to_the_desk_actions(name, persona, client_for):
    kwargs, data = POST_ONLY[name]()
    url = reverse(name, kwargs=kwargs)
    client = client_for(persona)
    events = AuditEvent.objects.count()
    response = client.post(url, data)
    if persona == "anonymous":
        assert response.status_code == 302 and "login" in response["Location"]
    elif persona == "admin":
        assert response.status_code == 302 and "login" not in response["Location"]
    else:
        assert response.status_code == 403
    if persona != "admin":
        assert AuditEvent.objects.count() == events


@pytest.mark.parametrize("name", sorted(POST_ONLY))
def test_the_desk_actions_refuse_get(name, client_for):
    kwargs, _ = POST_ONLY[name]()
    assert client_for("admin").get(reverse(name, kwargs=kwargs)).status_code == 405


@pytest.mark.parametrize(
    ("persona", "dashboard", "team"),
    [
        ("anonymous", False, False),
        ("reader", False, False),
        ("reviewer", True, False),
        ("editor", True, False),
        ("admin", True, True),
    ],
)
def test_the_navigation_links_the_dashboard_for_reviewers_and_the_team_for_admins(
    persona, dashboard, team, client_for
):
    html = client_for(persona).get("/").content.decode()
    assert ('href="/review/dashboard/"' in html) is dashboard
    assert ('href="/review/team/"' in html) is team
