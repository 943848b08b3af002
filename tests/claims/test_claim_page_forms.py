"""The claim page's assignment and verdict forms: shown from the lists the page already has
(no query of their own), and a submitted one still checked against the database."""

from __future__ import annotations

import pytest

from claims.forms import AssignForm, VerdictForm
from claims.models import RatingLevel
from claims.selectors import reviewer_list
from tests.factories import ensure_default_scale

pytestmark = pytest.mark.django_db


def test_shown_forms_offer_the_pages_lists_without_a_query(
    reviewer, editor, reader, django_assert_num_queries
):
    ensure_default_scale()
    reviewers = reviewer_list()
    levels = list(RatingLevel.objects.offered())
    with django_assert_num_queries(0):
        assign = AssignForm(initial={"version": 1}, reviewer_list=reviewers)
        verdict = VerdictForm(initial={"version": 0}, levels=levels)
        assign_html, verdict_html = str(assign["assignee"]), str(verdict["rating"])
    assert f'value="{reviewer.pk}"' in assign_html and f'value="{editor.pk}"' in assign_html
    assert f'value="{reader.pk}"' not in assign_html
    assert all(f'value="{level.pk}"' in verdict_html for level in levels)


def test_a_submitted_assignment_is_checked_against_who_may_review(reviewer, reader):
    reviewers = reviewer_list()
    refused = AssignForm({"version": 1, "assignee": reader.pk}, reviewer_list=reviewers)
    assert not refused.is_valid() and "assignee" in refused.errors
    taken = AssignForm({"version": 1, "assignee": reviewer.pk}, reviewer_list=reviewers)
    assert taken.is_valid(), taken.errors
    assert taken.cleaned_data["assignee"] == reviewer


def test_a_submitted_rating_must_be_one_still_offered(reviewer):
    ensure_default_scale()
    levels = list(RatingLevel.objects.offered())
    retired = levels[0]
    retired.is_active = False
    retired.save(update_fields=["is_active"])
    form = VerdictForm(
        {"version": 0, "rating": retired.pk, "summary": "S", "rationale": "R"}, levels=levels
    )
    assert not form.is_valid() and "rating" in form.errors
