"""Filters of the link health list (django-filter)."""

from __future__ import annotations

import django_filters
from django import forms

from sources.models import CheckOutcome, LinkState

_YES_NO = [("", "Any"), ("true", "Yes"), ("false", "No")]


class LinkFilter(django_filters.FilterSet):
    """Expects the queryset of ``sources.selectors.link_list`` (``shown_state`` and
    ``used_by_published`` annotated)."""

    state = django_filters.ChoiceFilter(
        field_name="shown_state", choices=LinkState.choices, label="State", empty_label="Any"
    )
    host = django_filters.CharFilter(field_name="host", lookup_expr="icontains", label="Host")
    last_outcome = django_filters.ChoiceFilter(
        choices=CheckOutcome.choices, label="Last outcome", empty_label="Any"
    )
    last_checked = django_filters.DateFromToRangeFilter(
        field_name="last_checked_at",
        label="Last checked (from, to)",
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )
    used_by_published = django_filters.TypedChoiceFilter(
        field_name="used_by_published",
        choices=_YES_NO,
        coerce=lambda value: value == "true",
        label="Evidence for a published verdict",
        empty_value=None,
        widget=forms.Select,
    )
    overridden = django_filters.TypedChoiceFilter(
        method="filter_overridden",
        choices=_YES_NO,
        coerce=lambda value: value == "true",
        label="State set by an editor",
        empty_value=None,
    )

    def filter_overridden(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.exclude(override_state="") if value else queryset.filter(override_state="")
