"""The invitation and password-reset e-mails as they leave the server: plain text, not
quoted-printable (its soft line breaks cut a long link in two when it is copied from the raw
message, e.g. the console backend's output), the link alone on its line, the site's name
(never the host) in the subject and the text. Each link is taken from the sent bytes exactly
as a person would copy it, and followed to a working page."""

from __future__ import annotations

import email
import email.policy
import re

import pytest
from django.core import mail
from django.test import Client

from desk import services
from factcheck.lib.mail import PlainTextEmail
from factcheck.lib.roles import ADMIN, REVIEWER, role_assign
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
HOST = "127.0.0.1:8201"
SITE = "Harbour Fact Desk"
NEW_PASSWORD = "a brand new long passphrase 42"


@pytest.fixture(autouse=True)
def _site_name(settings):
    settings.FACTCHECK_SITE_NAME = SITE


def _raw(index: int = 0) -> bytes:
    return mail.outbox[index].message().as_bytes()


def _assert_plain_unencoded(raw: bytes) -> None:
    head, _, body = raw.partition(b"\n\n")
    headers = email.message_from_bytes(raw, policy=email.policy.default)
    assert headers.get_content_type() == "text/plain"
    assert headers["Content-Transfer-Encoding"] in {"7bit", "8bit"}, head
    # No soft line break anywhere, and every line fits the e-mail format.
    assert not re.search(rb"=\r?\n", body)
    assert all(len(line) <= 998 for line in body.splitlines())


def _link_line(raw: bytes, path_prefix: str) -> str:
    """The one line of the raw body that is a link to ``path_prefix``, exactly as sent."""
    body = raw.partition(b"\n\n")[2].decode("utf-8")
    lines = [line.strip() for line in body.splitlines()]
    links = [line for line in lines if line.startswith(f"http://{HOST}{path_prefix}")]
    assert len(links) == 1, body
    link = links[0]
    assert re.fullmatch(r"http://[^\s]+/", link), link  # nothing else on its line
    return link[len(f"http://{HOST}") :]


def _admin():
    user = UserFactory(username="boss", first_name="Ana", last_name="Boss")
    role_assign(user, ADMIN)
    return user


def test_the_invitation_link_is_copied_whole_from_the_sent_bytes_and_works(roles):
    admin = Client()
    admin.force_login(_admin())
    response = admin.post(
        "/review/team/invite/",
        # A name outside ASCII: the body goes as 8bit, not quoted-printable.
        {"email": "zoe@example.org", "name": "Zoë Ångström-Łukasiewicz", "role": REVIEWER},
        HTTP_HOST=HOST,
    )
    assert response.status_code == 302
    raw = _raw()
    _assert_plain_unencoded(raw)
    assert b"Content-Transfer-Encoding: 8bit" in raw
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["Subject"] == f"You are invited to {SITE}"
    assert f"invited you to {SITE} as a reviewer" in message.get_content()
    assert HOST not in message["Subject"]
    path = _link_line(raw, "/accounts/invitation/")
    assert _link_line(raw, "/accounts/login/") == "/accounts/login/"

    visitor = Client()
    page = visitor.get(path, follow=True, HTTP_HOST=HOST)
    assert page.status_code == 200
    text = page.content.decode()
    assert "This invitation link does not work" not in text
    assert "Welcome, Zoë Ångström-Łukasiewicz" in text
    done = visitor.post(
        page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
        HTTP_HOST=HOST,
    )
    assert b"Your password is saved" in done.content


def test_an_ascii_invitation_goes_as_7bit_with_the_link_on_its_own_line(roles):
    services.user_invite(
        actor=_admin(),
        email="plain@example.org",
        name="Plain Person",
        role=REVIEWER,
        base_url=f"http://{HOST}/",
    )
    raw = _raw()
    _assert_plain_unencoded(raw)
    assert b"Content-Transfer-Encoding: 7bit" in raw
    path = _link_line(raw, "/accounts/invitation/")
    assert b"Welcome, Plain Person" in Client().get(path, follow=True, HTTP_HOST=HOST).content


def test_the_password_reset_link_is_copied_whole_from_the_sent_bytes_and_works(roles):
    user = UserFactory(username="forgetful", email="forgetful@example.org")
    role_assign(user, REVIEWER)
    client = Client()
    response = client.post(
        "/accounts/password-reset/", {"email": "forgetful@example.org"}, HTTP_HOST=HOST
    )
    assert response.status_code == 302
    raw = _raw()
    _assert_plain_unencoded(raw)
    message = email.message_from_bytes(raw, policy=email.policy.default)
    # The site's name, never the host it was asked from.
    assert message["Subject"] == f"Reset your password for {SITE}"
    assert f"your account on {SITE}." in message.get_content()
    assert HOST not in message["Subject"]
    path = _link_line(raw, "/accounts/password-reset/")

    page = client.get(path, follow=True, HTTP_HOST=HOST)
    assert page.status_code == 200
    assert b"Choose a new password" in page.content
    assert b"This link does not work" not in page.content
    done = client.post(
        page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
        HTTP_HOST=HOST,
    )
    assert done.redirect_chain[-1][0] == "/accounts/password-reset/done/"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_a_line_too_long_for_the_e_mail_format_falls_back_to_quoted_printable():
    raw = PlainTextEmail("s", "x" * 1200 + "\n", "a@example.org", ["b@example.org"])
    raw = raw.message().as_bytes()
    assert b"Content-Transfer-Encoding: quoted-printable" in raw
