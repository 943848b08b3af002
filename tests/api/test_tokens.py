"""API tokens: made on the tokens page (shown once, only the hash kept), used as
``Authorization: Bearer``, revoked there; deactivated accounts' tokens stop working;
``last_used_at`` written at most once a minute."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from api import services
from api.models import ApiToken
from audit.models import AuditEvent
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db
CLAIMS = "/api/v1/claims/"


def _create(client, name="Newsroom CMS"):
    return client.post(reverse("api:tokens"), {"name": name})


def _secret_in(html: str) -> str:
    match = re.search(r'id="new-token"[^>]*value="(fcw_[^"]+)"', html)
    assert match, "the new token is shown on the page"
    return match.group(1)


def test_a_reviewer_creates_a_token_shown_once_and_only_its_hash_is_stored(client_for, reviewer):
    client = client_for("reviewer")
    response = _create(client)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    secret = _secret_in(response.content.decode())
    token = ApiToken.objects.get(name="Newsroom CMS")
    assert token.user.username == "persona-reviewer"
    assert token.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret.startswith(token.prefix) and len(token.prefix) < 12
    # Nothing of the secret beyond the prefix is stored in any column.
    stored = " ".join(str(v) for v in ApiToken.objects.filter(pk=token.pk).values().get().values())
    assert secret not in stored and secret[len(token.prefix) :] not in stored
    # The page lists it afterwards by its prefix only.
    page = client.get(reverse("api:tokens")).content.decode()
    assert "Newsroom CMS" in page and f"{token.prefix}…" in page and secret not in page
    event = AuditEvent.objects.get(action="api.token.created")
    assert event.actor.username == "persona-reviewer" and secret not in str(event.changes)
    # It works.
    assert token_client(secret).get(CLAIMS).status_code == 200


def test_a_token_without_a_name_is_refused_with_the_form_kept(client_for):
    response = _create(client_for("editor"), name="  ")
    assert response.status_code == 400
    assert 'class="field-error"' in response.content.decode()
    assert not ApiToken.objects.exists()


def test_a_revoked_token_is_refused(client_for):
    client = client_for("editor")
    secret = _secret_in(_create(client).content.decode())
    api = token_client(secret)
    assert api.get(CLAIMS).status_code == 200
    token = ApiToken.objects.get()
    response = client.post(reverse("api:token_revoke", kwargs={"pk": token.pk}), follow=True)
    assert response.status_code == 200
    assert "is revoked" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEvent.objects.filter(action="api.token.revoked").count() == 1
    refused = api.get(CLAIMS)
    assert refused.status_code == 401
    assert refused["Content-Type"] == "application/problem+json"
    assert refused.json()["detail"] == "The token is not valid or was revoked."
    assert refused["WWW-Authenticate"].startswith("Bearer")


def test_nobody_revokes_someone_elses_token(client_for, editor):
    token = services.token_create(user=editor, name="Editor's").token
    response = client_for("reviewer").post(reverse("api:token_revoke", kwargs={"pk": token.pk}))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_revoking_is_post_only(client_for, reviewer):
    token = services.token_create(user=reviewer, name="x").token
    response = client_for("reviewer").get(reverse("api:token_revoke", kwargs={"pk": token.pk}))
    assert response.status_code == 405


def test_a_deactivated_users_token_is_refused(reviewer):
    secret = services.token_create(user=reviewer, name="CMS").secret
    reviewer.is_active = False
    reviewer.save()
    response = token_client(secret).get(CLAIMS)
    assert response.status_code == 401
    assert "deactivated" in response.json()["detail"]


@pytest.mark.parametrize(
    "header",
    ["Bearer fcw_not-a-real-token", "Bearer", "Bearer a b", "Bearer not-ours"],
)
def test_an_unknown_or_malformed_token_is_refused(roles, header):
    client = token_client(None)
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(CLAIMS)
    assert response.status_code == 401
    assert response.json()["status"] == 401


def test_last_used_is_written_at_most_once_a_minute(reviewer):
    secret = services.token_create(user=reviewer, name="CMS").secret
    token = ApiToken.objects.get()
    assert token.last_used_at is None
    client = token_client(secret)
    client.get(CLAIMS)
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    client.get(CLAIMS)
    token.refresh_from_db()
    assert token.last_used_at == first  # within the minute: not written again
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(minutes=2))
    client.get(CLAIMS)
    token.refresh_from_db()
    assert token.last_used_at > first - timedelta(minutes=1)
    assert token.last_used_at <= timezone.now()


def test_the_tokens_page_is_for_the_desk(client_for, client):
    assert client.get(reverse("api:tokens")).status_code == 302
    assert client_for("reader").get(reverse("api:tokens")).status_code == 403
    page = client_for("reviewer").get(reverse("api:tokens")).content.decode()
    # Linked from the staff menu.
    assert f'<a href="{reverse("api:tokens")}">API tokens</a>' in page


def test_a_user_holds_at_most_twenty_active_tokens(client_for, reviewer):
    for n in range(services.MAX_TOKENS_PER_USER):
        services.token_create(user=reviewer, name=f"CMS {n}")
    response = _create(client_for("reviewer"), name="One more")
    assert response.status_code == 400
    assert "revoke one you no longer use" in response.content.decode()
    assert ApiToken.objects.filter(user=reviewer).count() == services.MAX_TOKENS_PER_USER
    services.token_revoke(user=reviewer, pk=ApiToken.objects.filter(user=reviewer).first().pk)
    assert _create(client_for("reviewer"), name="One more").status_code == 200
