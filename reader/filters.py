"""The reader home page's filters (django-filter): rating, publisher, topic, publication
dates and a search box; every combination is a plain GET address, bookmarkable and cached."""

from __future__ import annotations

from datetime import datetime, time

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from claims.models import Verdict
from reader import selectors as public_selectors

_DATE = forms.DateInput(attrs={"type": "date"})


def _day_start(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _day_end(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.max))


class FactCheckFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_text",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("words of the claim")}),
    )
    rating = django_filters.ChoiceFilter(
        label=_("Rating"), field_name="rating__slug", empty_label=_("Any rating")
    )
    publisher = django_filters.ChoiceFilter(
        label=_("Publisher"), method="filter_publisher", empty_label=_("Any publisher")
    )
    topic = django_filters.ChoiceFilter(
        label=_("Topic"), field_name="claim__article__topics__slug", empty_label=_("Any topic")
    )
    since = django_filters.DateFilter(label=_("Checked from"), method="filter_since", widget=_DATE)
    until = django_filters.DateFilter(label=_("Checked until"), method="filter_until", widget=_DATE)

    class Meta:
        model = Verdict
        fields = []

    def __init__(self, *args, choices: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["rating"].extra["choices"] = [
            (level.slug, level.label) for level in choices["levels"]
        ]
        self.filters["publisher"].extra["choices"] = [
            (str(source.pk), source.name) for source in choices["publishers"]
        ]
        self.filters["topic"].extra["choices"] = [(t.slug, t.name) for t in choices["topics"]]

    def is_active(self) -> bool:
        """Whether any filter narrows the list (the page then says so, with a way out)."""
        if not self.is_bound or not self.form.is_valid():
            return False
        return any(self.form.cleaned_data.get(name) not in (None, "") for name in self.filters)

    def filter_text(self, queryset, name, value):
        return public_selectors.fact_check_search(queryset, value)

    def filter_publisher(self, queryset, name, value):
        return queryset.filter(claim__article__publisher_id=int(value))

    def filter_since(self, queryset, name, value):
        return queryset.filter(published_at__gte=_day_start(value))

    def filter_until(self, queryset, name, value):
        return queryset.filter(published_at__lte=_day_end(value))
