"""The view helpers every app shares (factcheck/lib/views.py)."""

from __future__ import annotations

import pytest
from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.test import RequestFactory

from factcheck.lib.views import add_service_errors, is_htmx, safe_next

DEFAULT = "/review/"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/review/",
        "//evil.example/review/",
        "//evil.example",
        "http://evil.example",
        "javascript:alert(1)",
        "https:///evil.example/",
        "/\\evil.example",
    ],
)
def test_safe_next_refuses_another_host(target):
    rf = RequestFactory()
    assert safe_next(rf.get("/", {"next": target}), DEFAULT) == DEFAULT
    assert safe_next(rf.post("/", {"next": target}), DEFAULT) == DEFAULT


@pytest.mark.parametrize("target", ["/review/claims/3/?o=-score&page=2#evidence", "/"])
def test_safe_next_accepts_a_local_path(target):
    rf = RequestFactory()
    assert safe_next(rf.post("/", {"next": target}), DEFAULT) == target
    assert safe_next(rf.get("/", {"next": target}), DEFAULT) == target


def test_safe_next_accepts_this_host_and_falls_back_without_next():
    rf = RequestFactory()
    assert safe_next(rf.get("/", {"next": "http://testserver/x/"}), DEFAULT) == (
        "http://testserver/x/"
    )
    # An HTTPS page does not send the reader back over plain HTTP.
    assert safe_next(rf.get("/", {"next": "http://testserver/x/"}, secure=True), DEFAULT) == (
        DEFAULT
    )
    assert safe_next(rf.get("/"), DEFAULT) == DEFAULT
    assert safe_next(rf.post("/", {"next": ""}), DEFAULT) == DEFAULT


def test_is_htmx():
    rf = RequestFactory()
    assert is_htmx(rf.post("/", headers={"HX-Request": "true"}))
    assert not is_htmx(rf.post("/"))


class NameForm(forms.Form):
    name = forms.CharField(required=False)


def test_add_service_errors_puts_field_errors_on_their_fields():
    form = NameForm({"name": "x"})
    assert form.is_valid()
    add_service_errors(
        form,
        ValidationError(
            {"name": "Taken.", "elsewhere": "Not on this form.", NON_FIELD_ERRORS: "No."}
        ),
    )
    assert form.errors["name"] == ["Taken."]
    assert sorted(form.non_field_errors()) == ["No.", "Not on this form."]


def test_add_service_errors_puts_a_plain_error_on_the_form():
    form = NameForm({"name": "x"})
    assert form.is_valid()
    add_service_errors(form, ValidationError(["First.", "Second."]))
    assert list(form.non_field_errors()) == ["First.", "Second."]
    assert "name" not in form.errors
