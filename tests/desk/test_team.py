"""Team management: invitations by e-mail, roles, deactivation and reactivation, password
reset, and the audit events every change writes."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from audit.models import AuditEvent
from claims.models import Claim, Verdict
from desk import services
from factcheck.lib.roles import ADMIN, EDITOR, REVIEWER, role_assign, user_roles
from tests.factories import (
    ClaimFactory,
    EvidenceFactory,
    NoteFactory,
    UserFactory,
    VerdictFactory,
)

pytestmark = pytest.mark.django_db
User = get_user_model()
PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a brand new long passphrase 42"


def _admin(username="boss"):
    user = UserFactory(username=username)
    role_assign(user, ADMIN)
    return user


def _member(username, role=REVIEWER, **fields):
    user = UserFactory(username=username, **fields)
    role_assign(user, role)
    return user


def _link_in(message) -> str:
    match = re.search(r"http://testserver(/accounts/[^\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def _actions(user) -> list[str]:
    return list(
        AuditEvent.objects.filter(target_id=user.pk, action__startswith="desk.")
        .order_by("pk")
        .values_list("action", flat=True)
    )


# ------------------------------------------------------------------------ invitations


def test_inviting_creates_an_active_user_without_a_password_and_e_mails_a_one_time_link(
    roles,
):
    admin = _admin()
    user = services.user_invite(
        actor=admin,
        email="Maria.Lopez@Example.ORG",
        name="  María   de la Cruz ",
        role=EDITOR,
        base_url="https://desk.example.org/",
    )
    assert user.username == "maria.lopez"
    assert user.email == "Maria.Lopez@example.org"
    assert user.get_full_name() == "María de la Cruz"
    assert user.is_active and not user.has_usable_password()
    assert user_roles(user) == [EDITOR]
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["Maria.Lopez@example.org"]
    assert "invited" in message.subject.lower()
    assert "Your username is: maria.lopez" in message.body
    assert "https://desk.example.org/accounts/invitation/" in message.body
    assert "as an editor" in message.body
    event = AuditEvent.objects.get(action="desk.user.invited")
    assert event.actor == admin and event.target_id == user.pk
    assert event.changes == {"username": "maria.lopez", "email": user.email, "role": EDITOR}


def test_an_e_mail_address_already_in_use_is_refused_whatever_its_case(roles):
    admin = _admin()
    _member("taken", email="someone@example.org")
    with pytest.raises(ValidationError) as caught:
        services.user_invite(actor=admin, email="SomeOne@Example.org", name="X Y", role=REVIEWER)
    assert "already belongs to the account taken" in caught.value.message_dict["email"][0]
    assert (
        not User.objects.filter(email__iexact="someone@example.org")
        .exclude(username="taken")
        .exists()
    )
    assert mail.outbox == []


def test_the_database_holds_one_account_per_e_mail_address_whatever_its_case(roles):
    from django.db import IntegrityError, transaction

    _member("first", email="someone@example.org")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="second", email="SOMEONE@example.ORG")
    # Accounts without an address are not affected.
    User.objects.create(username="no-mail-1", email="")
    User.objects.create(username="no-mail-2", email="")


def test_an_invitation_that_loses_a_race_for_its_address_is_refused_cleanly(roles, monkeypatch):
    admin = _admin()
    make_username = services._username_for

    def meanwhile_another_admin_invites(email):
        # Runs after the service's own check and before its insert: the race's window.
        User.objects.create(username="quicker", email=email.upper())
        return make_username(email)

    monkeypatch.setattr(services, "_username_for", meanwhile_another_admin_invites)
    with pytest.raises(ValidationError) as caught:
        services.user_invite(actor=admin, email="new@example.org", name="New Person", role=REVIEWER)
    assert "invited by someone else a moment ago" in caught.value.message_dict["email"][0]
    # The competing row was made inside this test's transaction, so the refusal's rollback
    # takes it too; in a real race it is the other admin's, already committed.
    assert not User.objects.filter(email__iexact="new@example.org").exists()
    assert mail.outbox == []


def test_usernames_from_e_mails_never_clash_even_by_case(roles):
    admin = _admin()
    _member("Sam", email="sam@one.example")
    second = services.user_invite(
        actor=admin, email="sam@two.example", name="Sam Two", role=REVIEWER
    )
    third = services.user_invite(
        actor=admin, email="sam@three.example", name="Sam Three", role=REVIEWER
    )
    assert (second.username, third.username) == ("sam2", "sam3")


def test_bad_invitation_input_gets_field_errors_and_stores_nothing(roles):
    admin = _admin()
    before = User.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.user_invite(actor=admin, email="not-an-address", name=" ", role="superhero")
    assert set(caught.value.message_dict) == {"email", "name", "role"}
    assert User.objects.count() == before
    assert not AuditEvent.objects.filter(action="desk.user.invited").exists()


def test_a_failing_mail_server_rolls_the_invitation_back(roles, settings):
    settings.MAILERS = {"default": {"BACKEND": "tests.desk.broken_mail.BrokenBackend"}}
    admin = _admin()
    with pytest.raises(ValidationError, match="could not be sent"):
        services.user_invite(actor=admin, email="new@example.org", name="New One", role=REVIEWER)
    assert not User.objects.filter(email="new@example.org").exists()
    assert not AuditEvent.objects.filter(action="desk.user.invited").exists()


def test_only_admins_may_invite(roles):
    editor = _member("ed", EDITOR)
    with pytest.raises(PermissionDenied):
        services.user_invite(actor=editor, email="x@example.org", name="X", role=REVIEWER)


def test_the_invitation_link_sets_the_password_once_and_the_user_can_log_in(roles):
    admin = _admin()
    user = services.user_invite(
        actor=admin, email="new@example.org", name="New Person", role=REVIEWER, base_url=None
    )
    client = Client()
    link = re.search(r"https?://[^/]+(/accounts/invitation/\S+/)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    assert b"Welcome, New Person" in form_page.content
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(
        set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True
    )
    assert b"Your password is saved" in done.content
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert _actions(user) == ["desk.user.invited", "desk.user.invitation_accepted"]
    # The link worked once.
    again = Client().get(link, follow=True)
    assert b"This invitation link does not work" in again.content
    login = Client().post("/accounts/login/", {"username": user.username, "password": NEW_PASSWORD})
    assert login.status_code == 302 and login["Location"] == "/review/"


def test_a_new_invitation_link_goes_to_an_invited_user_who_has_not_chosen_a_password(roles):
    admin = _admin()
    user = services.user_invite(actor=admin, email="late@example.org", name="Late", role=REVIEWER)
    services.user_invitation_resend(actor=admin, user=user)
    assert len(mail.outbox) == 2
    assert _actions(user) == ["desk.user.invited", "desk.user.invitation_resent"]
    member = _member("settled")
    member.email = "settled@example.org"
    member.save()
    with pytest.raises(ValidationError, match="already chosen a password"):
        services.user_invitation_resend(actor=admin, user=member)


def test_the_invitation_page_refuses_bad_input_with_field_errors(client_for):
    client = client_for("admin")
    response = client.post(
        "/review/team/invite/", {"email": "nope", "name": "", "role": "superhero"}
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "This is not a valid e-mail address." in text
    assert "Give the person&#x27;s name." in text
    assert "Choose a role." in text
    assert mail.outbox == []


def test_an_admin_invites_from_the_team_page_and_lands_on_the_new_user(client_for):
    client = client_for("admin")
    response = client.post(
        "/review/team/invite/",
        {"email": "reporter@example.org", "name": "Rita Reporter", "role": REVIEWER},
        follow=True,
    )
    user = User.objects.get(email="reporter@example.org")
    assert response.redirect_chain[-1][0] == f"/review/team/{user.pk}/"
    assert b"Invitation sent to reporter@example.org" in response.content
    assert b"Invited" in response.content
    # The link in the e-mail points at the address the admin used.
    assert "http://testserver/accounts/invitation/" in mail.outbox[0].body


def test_a_duplicate_invitation_on_the_page_says_so_on_the_e_mail_field(client_for):
    _member("exists", email="dup@example.org")
    response = client_for("admin").post(
        "/review/team/invite/", {"email": "DUP@example.org", "name": "Dup", "role": REVIEWER}
    )
    assert response.status_code == 400
    assert "already belongs to the account exists" in response.content.decode()


# ------------------------------------------------------------------------ roles


def test_an_admin_changes_a_role_and_the_event_records_before_and_after(roles):
    admin = _admin()
    user = _member("rev")
    services.user_change_role(actor=admin, user=user, role=EDITOR)
    user.refresh_from_db()
    assert user_roles(user) == [EDITOR] and not user.is_staff
    event = AuditEvent.objects.get(action="desk.user.role_changed")
    assert event.changes == {"role": [REVIEWER, EDITOR]}
    services.user_change_role(actor=admin, user=user, role=ADMIN)
    user.refresh_from_db()
    assert user.is_staff


def test_an_admin_cannot_change_their_own_role(roles):
    admin = _admin()
    _admin("other-admin")
    with pytest.raises(ValidationError, match="your own role"):
        services.user_change_role(actor=admin, user=admin, role=REVIEWER)
    assert user_roles(admin) == [ADMIN]


def _delegate(username="deputy"):
    """An editor who was given the team permission directly (not an admin)."""
    user = _member(username, EDITOR)
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="desk", codename="manage_team")
    )
    return User.objects.get(pk=user.pk)  # fresh permission cache


def test_the_last_active_admin_cannot_be_demoted(roles):
    admin = _admin()
    with pytest.raises(ValidationError, match="last active admin"):
        services.user_change_role(actor=_delegate(), user=admin, role=EDITOR)
    assert user_roles(admin) == [ADMIN]
    # With a second admin, either may be demoted.
    _admin("second")
    services.user_change_role(actor=_delegate("deputy2"), user=admin, role=EDITOR)
    assert user_roles(admin) == [EDITOR]


def test_the_role_form_refuses_an_unknown_role_with_a_field_error(client_for):
    user = _member("someone")
    response = client_for("admin").post(f"/review/team/{user.pk}/role/", {"role": "king"})
    assert response.status_code == 400
    assert "Choose a role." in response.content.decode()
    assert user_roles(user) == [REVIEWER]


# ------------------------------------------------------------------------ deactivation


def test_deactivating_keeps_every_piece_of_work_attributed(roles, client_for):
    admin = _admin()
    author = _member("writer", EDITOR)
    claim = ClaimFactory(assignee=author, status=Claim.Status.IN_REVIEW)
    verdict = VerdictFactory(claim=claim, author=author, approver=author)
    evidence = EvidenceFactory(claim=claim, added_by=author)
    note = NoteFactory(claim=claim, author=author)
    AuditEvent.objects.create(actor=author, action="claims.claim.assigned", claim_id=claim.pk)
    services.user_deactivate(actor=admin, user=author)
    author.refresh_from_db()
    assert author.is_active is False
    claim.refresh_from_db()
    verdict.refresh_from_db()
    evidence.refresh_from_db()
    note.refresh_from_db()
    assert claim.assignee == author and verdict.author == author and verdict.approver == author
    assert evidence.added_by == author and note.author == author
    assert AuditEvent.objects.filter(actor=author, claim_id=claim.pk).exists()
    assert user_roles(author) == [EDITOR]  # the role stays, for a reactivation
    event = AuditEvent.objects.get(action="desk.user.deactivated")
    assert event.actor == admin and event.changes == {"is_active": [True, False]}
    page = client_for("editor").get(f"/review/claims/{claim.pk}/").content.decode()
    assert "writer (deactivated)" in page
    assert "they can no longer log in, so choose someone else" in page


def test_a_deactivated_user_is_logged_out_and_cannot_log_in_again(roles):
    admin = _admin()
    user = _member("leaving")
    client = Client()
    assert (
        client.post("/accounts/login/", {"username": "leaving", "password": PASSWORD})["Location"]
        == "/review/"
    )
    assert client.get("/review/").status_code == 200
    services.user_deactivate(actor=admin, user=user)
    assert client.get("/review/").status_code == 302  # the session no longer works
    response = Client().post("/accounts/login/", {"username": "leaving", "password": PASSWORD})
    assert response.status_code == 200  # the form again, not a redirect
    services.user_reactivate(actor=admin, user=user)
    assert (
        Client().post("/accounts/login/", {"username": "leaving", "password": PASSWORD})["Location"]
        == "/review/"
    )
    assert _actions(user) == ["desk.user.deactivated", "desk.user.reactivated"]


def test_an_admin_cannot_deactivate_themself(roles):
    admin = _admin()
    _admin("other")
    with pytest.raises(ValidationError, match="deactivate yourself"):
        services.user_deactivate(actor=admin, user=admin)
    admin.refresh_from_db()
    assert admin.is_active


def test_the_last_active_admin_cannot_be_deactivated(roles):
    only_admin = _admin("only")
    # A superuser counts as an admin: with one, the admin may go.
    root = UserFactory(username="root", is_superuser=True)
    services.user_deactivate(actor=root, user=_admin("spare"))
    services.user_deactivate(actor=only_admin, user=root)
    with pytest.raises(ValidationError, match="last active admin"):
        services.user_deactivate(actor=_delegate(), user=only_admin)
    only_admin.refresh_from_db()
    assert only_admin.is_active


def test_deactivating_twice_says_so(roles):
    admin = _admin()
    user = _member("gone")
    services.user_deactivate(actor=admin, user=user)
    with pytest.raises(ValidationError, match="already deactivated"):
        services.user_deactivate(actor=admin, user=user)


def test_deactivated_users_are_no_longer_offered_as_assignees_but_keep_their_verdicts(
    roles, client_for
):
    admin = _admin()
    author = _member("former", EDITOR)
    VerdictFactory(author=author, state=Verdict.State.DRAFT)
    services.user_deactivate(actor=admin, user=author)
    from claims.services import reviewers

    assert author not in reviewers()
    assert Verdict.objects.filter(author=author).count() == 1


def test_the_user_page_buttons_deactivate_and_reactivate_with_messages(client_for):
    user = _member("button")
    client = client_for("admin")
    response = client.post(f"/review/team/{user.pk}/deactivate/", follow=True)
    assert b"button is deactivated" in response.content
    user.refresh_from_db()
    assert not user.is_active
    response = client.post(f"/review/team/{user.pk}/reactivate/", follow=True)
    assert b"button is active again" in response.content
    user.refresh_from_db()
    assert user.is_active


def test_a_refusal_on_the_user_page_is_shown_as_a_message(client_for):
    client = client_for("admin")
    me = User.objects.get(username="persona-admin")
    response = client.post(f"/review/team/{me.pk}/deactivate/", follow=True)
    assert b"You cannot deactivate yourself" in response.content
    me.refresh_from_db()
    assert me.is_active


def test_the_team_list_shows_roles_states_and_last_log_in(client_for, django_assert_num_queries):
    _member("alpha", EDITOR, first_name="Alpha", last_name="One")
    gone = _member("beta")
    gone.is_active = False
    gone.save()
    invited = _member("gamma")
    invited.set_unusable_password()
    invited.save()
    response = client_for("admin").get("/review/team/")
    text = response.content.decode()
    assert "Alpha One" in text and "editor" in text
    assert "Deactivated" in text and "Invited" in text and "never" in text
    # Deactivated accounts are listed after the active ones.
    assert text.index(">beta<") > text.index(">gamma<")


def test_the_team_list_costs_the_same_queries_for_more_users(client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for("admin")
    client.get("/review/team/")
    counts = []
    for size in (2, 12):
        for i in range(size):
            _member(f"bulk{size}-{i}")
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/review/team/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


# ------------------------------------------------------------------------ password reset


def test_the_login_page_offers_a_password_reset(client):
    response = client.get("/accounts/login/")
    assert b'href="/accounts/password-reset/"' in response.content
    assert b"Forgot your password?" in response.content


def test_password_reset_e_mails_a_link_that_sets_a_new_password_once(roles):
    user = _member("forgetful", email="forgetful@example.org")
    client = Client()
    response = client.post("/accounts/password-reset/", {"email": "FORGETFUL@example.org"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password-reset/sent/"
    assert len(mail.outbox) == 1
    assert "Your username is: forgetful" in mail.outbox[0].body
    link = _link_in(mail.outbox[0])
    form_page = client.get(link, follow=True)
    assert b"Choose a new password" in form_page.content
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert done.redirect_chain[-1][0] == "/accounts/password-reset/done/"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert _actions(user) == ["desk.user.password_reset"]
    assert b"This link does not work" in Client().get(link, follow=True).content


def test_password_reset_says_the_same_for_an_unknown_address_and_sends_nothing(client):
    response = client.post("/accounts/password-reset/", {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password-reset/sent/"
    assert mail.outbox == []


def test_mismatched_new_passwords_get_a_field_error_and_change_nothing(roles):
    user = _member("careful", email="careful@example.org")
    client = Client()
    client.post("/accounts/password-reset/", {"email": "careful@example.org"})
    form_page = client.get(_link_in(mail.outbox[0]), follow=True)
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": "something else entirely"},
    )
    assert response.status_code == 200
    assert "field-error" in response.content.decode()
    assert "match" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert _actions(user) == []


def test_a_reset_link_stops_working_once_the_account_is_deactivated(roles):
    admin = _admin()
    user = _member("quitter", email="quitter@example.org")
    Client().post("/accounts/password-reset/", {"email": "quitter@example.org"})
    link = _link_in(mail.outbox[0])
    services.user_deactivate(actor=admin, user=user)
    assert b"This link does not work" in Client().get(link, follow=True).content


# ------------------------------------------------------------------------ Django admin


def test_the_django_admin_edits_names_but_leaves_roles_and_access_to_the_team_pages(
    roles, client_for
):
    admin = client_for("admin")
    member = _member("casey", role=EDITOR, email="casey@example.org")
    change = f"/admin/auth/user/{member.pk}/change/"
    page = admin.get(change)
    assert page.status_code == 200
    assert f"/review/team/{member.pk}/" in page.content.decode()
    response = admin.post(
        change,
        {
            "username": "casey",
            "first_name": "Casey",
            "last_name": "Jones",
            "email": "casey@example.org",
            # Fields the admin shows read-only: posting them changes nothing.
            "is_active": "",
            "is_superuser": "on",
            "groups": [],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    member.refresh_from_db()
    assert member.get_full_name() == "Casey Jones"
    assert member.is_active and not member.is_superuser
    assert user_roles(member) == [EDITOR]


def test_the_django_admin_neither_adds_nor_deletes_accounts(roles, client_for):
    admin = client_for("admin")
    member = _member("dana", role=REVIEWER)
    assert admin.get("/admin/auth/user/add/").status_code == 403
    assert admin.get(f"/admin/auth/user/{member.pk}/delete/").status_code == 403
    response = admin.post(
        "/admin/auth/user/",
        {"action": "delete_selected", "_selected_action": [member.pk], "post": "yes"},
    )
    assert User.objects.filter(pk=member.pk).exists()
    assert response.status_code in (200, 302)
