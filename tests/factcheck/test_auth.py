"""Log-in, log-out, throttling, roles and the security baseline on every page."""

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from factcheck.lib.roles import ADMIN, EDITOR, REVIEWER, ROLES, role_assign
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def test_a_reviewer_logs_in_and_lands_in_the_review_area(roles):
    role_assign(UserFactory(username="rita"), REVIEWER)
    client = Client()
    response = client.post("/accounts/login/", {"username": "rita", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/review/"
    assert client.get("/review/").status_code == 200


def test_logging_out_is_a_post_and_ends_the_session(client_for):
    client = client_for("reviewer")
    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get("/review/").status_code == 302


def test_repeated_wrong_passwords_lock_the_account_out_even_for_the_right_one(roles, settings):
    UserFactory(username="victim")
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post("/accounts/login/", {"username": "victim", "password": "nope"})
        assert response.status_code in {200, 429}
    response = client.post("/accounts/login/", {"username": "victim", "password": PASSWORD})
    assert response.status_code == 429
    assert b"Too many failed log-ins" in response.content
    assert "_auth_user_id" not in client.session


def test_each_role_group_exists_with_what_the_role_may_do(roles):
    assert set(Group.objects.values_list("name", flat=True)) >= set(ROLES)
    reviewer = UserFactory(username="r")
    editor = UserFactory(username="e")
    admin = UserFactory(username="a")
    role_assign(reviewer, REVIEWER)
    role_assign(editor, EDITOR)
    role_assign(admin, ADMIN)
    assert reviewer.has_perm("claims.review_claim")
    assert not reviewer.has_perm("claims.publish_claim")
    assert editor.has_perm("claims.publish_claim")
    assert not editor.has_perm("sources.change_source")
    assert admin.has_perm("sources.change_source") and admin.is_staff
    assert not reviewer.is_staff and not editor.is_staff


def test_changing_role_replaces_the_old_one_and_staff_follows_admin(roles):
    user = UserFactory(username="mover")
    role_assign(user, ADMIN)
    role_assign(user, REVIEWER)
    user.refresh_from_db()
    assert list(user.groups.values_list("name", flat=True)) == [REVIEWER]
    assert user.is_staff is False


def test_an_unknown_role_is_refused(roles):
    with pytest.raises(ValueError, match="Unknown role"):
        role_assign(UserFactory(username="x"), "superhero")


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/review/", "/no-such-page/"])
def test_every_page_carries_a_csp_without_inline_script(path, client_for):
    response = client_for("editor").get(path)
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp


# The one inline element allowed: JSON-LD *data* (schema.org ClaimReview), which no browser
# runs; its content must be a single variable (pre-escaped JSON), never template-written code.
JSON_LD = re.compile(r'<script type="application/ld\+json">\{\{ [a-z_]+ \}\}</script>')


def test_no_template_has_inline_script_style_or_event_handlers():
    offenders = []
    for template in TEMPLATES.rglob("*.html"):
        html = JSON_LD.sub("", template.read_text())
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html):
            offenders.append(f"{template.name}: inline <script>")
        if re.search(r"\son[a-z]+\s*=", html):
            offenders.append(f"{template.name}: event handler attribute")
        if re.search(r"<style|\sstyle\s*=", html):
            offenders.append(f"{template.name}: inline style")
    assert offenders == []


def test_unknown_pages_get_the_friendly_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content


def test_a_signed_in_user_without_the_role_gets_the_friendly_403(client_for):
    response = client_for("outsider").get("/review/")
    assert response.status_code == 403
    assert b"You may not see this page" in response.content


def test_the_500_page_renders_without_touching_the_database(rf, django_assert_num_queries):
    from factcheck.views import error_500

    with django_assert_num_queries(0):
        response = error_500(rf.get("/"))
    assert response.status_code == 500
    assert b"Something went wrong on our side" in response.content
