"""What every endpoint shares: errors as problem details (RFC 9457), throttling with
Retry-After, ETag and 304 on detail reads, cursor pagination."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import path, reverse
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from api import services
from api.problems import exception_handler
from claims.models import Claim
from factcheck import urls as site_urls
from tests.api.conftest import token_client
from tests.factories import ClaimFactory, published_claim

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


class Boom(APIView):
    """An endpoint with a bug (this module's URLconf only)."""

    permission_classes = [AllowAny]

    def get(self, request):
        raise RuntimeError("secret internals: /srv/app/settings.py line 12")


# The site's own patterns after the bug's (not include(): the reader's i18n_patterns may
# only sit in a root URLconf).
urlpatterns = [path("api/v1/boom/", Boom.as_view()), *site_urls.urlpatterns]


def _assert_problem(response, status: int) -> dict:
    assert response.status_code == status
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert {"type", "title", "status", "detail"} <= body.keys()
    assert body["status"] == status and body["type"] == "about:blank"
    assert body["detail"] and "Traceback" not in response.content.decode()
    return body


# ---------------------------------------------------------------------------- problems


def test_401_without_a_token_on_a_desk_endpoint(api_for):
    response = api_for("anonymous").get(reverse("api:claim-list"))
    body = _assert_problem(response, 401)
    assert body["title"] == "Unauthorized" and body["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_403_for_a_role_without_the_permission(api_for):
    body = _assert_problem(api_for("reader").get(reverse("api:claim-list")), 403)
    assert body["title"] == "Forbidden" and body["detail"] == "Your role does not allow this."


def test_404_for_an_address_under_the_api_that_names_nothing(api_for):
    body = _assert_problem(api_for("reviewer").get("/api/v1/no-such-thing/"), 404)
    assert "/api/v1/docs/" in body["detail"]


def test_405_for_a_method_an_endpoint_does_not_take(api_for):
    response = api_for("reviewer").delete(reverse("api:claim-list"))
    body = _assert_problem(response, 405)
    assert body["code"] == "method_not_allowed" and "GET" in response["Allow"]


def test_415_for_a_body_that_is_not_json(api_for):
    response = api_for("reviewer").post(
        reverse("api:checked-before"), {"text": "x"}, format="multipart"
    )
    body = _assert_problem(response, 415)
    assert body["code"] == "unsupported_media_type"


def test_406_for_a_client_that_accepts_no_json(api_for):
    response = api_for("anonymous").get(
        reverse("api:fact-check-list"), HTTP_ACCEPT="application/xml"
    )
    body = _assert_problem(response, 406)
    assert body["code"] == "not_acceptable"


def test_400_for_json_that_does_not_parse(api_for):
    response = api_for("reviewer").post(
        reverse("api:checked-before"), data="{not json", content_type="application/json"
    )
    body = _assert_problem(response, 400)
    assert body["code"] == "parse_error"


def test_400_field_errors_are_listed_under_errors(api_for):
    response = api_for("reviewer").post(
        reverse("api:checked-before"), {"text": "", "limit": 99}, format="json"
    )
    body = _assert_problem(response, 400)
    fields = {entry["field"]: entry for entry in body["errors"]}
    assert set(fields) == {"text", "limit"}
    assert fields["limit"]["pointer"] == "#/limit" and fields["limit"]["code"] == "max_value"
    assert body["detail"] == "The request has errors in several fields: see “errors”."


@pytest.mark.urls("tests.api.test_http")
def test_500_is_a_problem_without_the_stack_trace(roles, caplog):
    response = token_client(None).get("/api/v1/boom/")
    body = _assert_problem(response, 500)
    assert "secret internals" not in response.content.decode()
    assert body["code"] == "server_error"
    assert "secret internals" in caplog.text  # logged for the desk, not shown


def test_the_handler_answers_any_unexpected_error():
    response = exception_handler(ValueError("x"), {"view": None})
    assert response.status_code == 500 and response.data["title"] == "Internal Server Error"


# -------------------------------------------------------------------------- throttling


def _rates(settings, **rates):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}


def test_anonymous_clients_are_throttled_per_address_with_retry_after(roles, settings):
    _rates(settings, anon="2/minute", token="100/minute")
    url = reverse("api:fact-check-list")
    client = token_client(None)
    assert [client.get(url).status_code for _ in range(2)] == [200, 200]
    response = client.get(url)
    body = _assert_problem(response, 429)
    assert body["title"] == "Too Many Requests" and body["code"] == "throttled"
    assert 1 <= int(response["Retry-After"]) <= 60
    # A forwarded-for header the client wrote itself changes nothing (no proxies set).
    assert client.get(url, HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 429
    # Another address has its own budget.
    assert client.get(url, REMOTE_ADDR="192.0.2.9").status_code == 200


def test_each_token_has_its_own_budget(reviewer, settings):
    _rates(settings, anon="100/minute", token="2/minute")
    first = token_client(services.token_create(user=reviewer, name="one").secret)
    second = token_client(services.token_create(user=reviewer, name="two").secret)
    url = reverse("api:claim-list")
    assert [first.get(url).status_code for _ in range(3)] == [200, 200, 429]
    assert int(first.get(url)["Retry-After"]) >= 1
    assert second.get(url).status_code == 200
    # A token is not an anonymous client: the address's budget is untouched.
    _rates(settings, anon="1/minute", token="100/minute")
    assert token_client(None).get(reverse("api:fact-check-list")).status_code == 200


# ------------------------------------------------------------------------- ETag and 304


def test_a_detail_read_answers_304_to_its_etag(api_for):
    claim = published_claim()
    client = api_for("anonymous")
    url = reverse("api:fact-check-detail", kwargs={"pk": claim.pk})
    first = client.get(url)
    etag = first["ETag"]
    assert etag.startswith('"') and first["Cache-Control"].startswith("public")
    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
    assert client.get(url, HTTP_IF_NONE_MATCH='"something-else"').status_code == 200


def test_a_change_gives_a_desk_read_a_new_etag(api_for):
    claim = ClaimFactory(status=Claim.Status.IN_REVIEW)
    client = api_for("reviewer")
    url = reverse("api:claim-detail", kwargs={"pk": claim.pk})
    first = client.get(url)
    assert first["Cache-Control"] == "private, no-cache"
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    Claim.objects.filter(pk=claim.pk).update(text="The council spent 5 million.")
    changed = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]
    assert changed.json()["text"] == "The council spent 5 million."


# ---------------------------------------------------------------------- cursor pagination


def _cursor_pages(client, url):
    ids, pages = [], 0
    while url:
        body = client.get(url).json()
        ids += [row["id"] for row in body["results"]]
        url = body["next"]
        pages += 1
        assert pages < 20
    return ids, pages


def test_long_lists_are_cursor_paginated(api_for):
    made = [published_claim().pk for _ in range(5)]
    client = api_for("reviewer")
    ids, pages = _cursor_pages(client, f"{reverse('api:fact-check-list')}?page_size=2")
    assert ids == made[::-1] and pages == 3
    ids, pages = _cursor_pages(client, f"{reverse('api:claim-list')}?page_size=2")
    assert sorted(ids) == sorted(made) and len(set(ids)) == 5 and pages == 3
    body = client.get(f"{reverse('api:claim-list')}?page_size=2").json()
    assert "cursor" in parse_qs(urlsplit(body["next"]).query)


def test_a_new_row_does_not_shift_the_next_page(api_for):
    made = [published_claim().pk for _ in range(4)]
    client = api_for("reviewer")
    first = client.get(f"{reverse('api:article-list')}?page_size=2").json()
    published_claim()  # a newer article arrives meanwhile
    second = client.get(first["next"]).json()
    seen = [row["id"] for row in first["results"] + second["results"]]
    assert len(set(seen)) == 4
    assert {Claim.objects.get(pk=pk).article_id for pk in made} == set(seen)


def test_a_forged_cursor_is_a_404_problem(api_for):
    response = api_for("reviewer").get(f"{reverse('api:claim-list')}?cursor=bogus")
    assert _assert_problem(response, 404)["detail"] == "Invalid cursor"


def test_a_busy_database_is_503_try_again():
    from django.db import OperationalError

    response = exception_handler(OperationalError("database is locked"), {"view": None})
    assert response.status_code == 503
    assert response["Retry-After"] == "5" and response.data["code"] == "busy"
