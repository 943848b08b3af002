"""Filters of the link health list and the sources page (django-filter)."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from sources.models import (
    CheckOutcome,
    Link,
    LinkState,
    Reliability,
    Source,
    SourceDomain,
    SourceKind,
)

_YES_NO = [("", _("Any")), ("true", _("Yes")), ("false", _("No"))]


class LabelledDateRange(django_filters.widgets.DateRangeWidget):
    """Two date inputs, each with its own name for assistive technology ("Last checked:
    from", "Last checked: to"): the field's ``<label>`` names only the first one."""

    def __init__(self, names: tuple[str, str], attrs=None):
        super().__init__(attrs={"type": "date", **(attrs or {})})
        for widget, name in zip(self.widgets, names, strict=True):
            widget.attrs["aria-label"] = name


class LinkFilter(django_filters.FilterSet):
    """Expects the queryset of ``sources.selectors.link_list`` (``shown_state`` and
    ``used_by_published`` annotated)."""

    state = django_filters.ChoiceFilter(
        field_name="shown_state", choices=LinkState.choices, label=_("State"), empty_label=_("Any")
    )
    host = django_filters.CharFilter(field_name="host", lookup_expr="icontains", label=_("Host"))
    last_outcome = django_filters.ChoiceFilter(
        choices=CheckOutcome.choices, label=_("Last outcome"), empty_label=_("Any")
    )
    last_checked = django_filters.DateFromToRangeFilter(
        field_name="last_checked_at",
        label=_("Last checked (from, to)"),
        widget=LabelledDateRange((_("Last checked: from"), _("Last checked: to"))),
    )
    used_by_published = django_filters.TypedChoiceFilter(
        field_name="used_by_published",
        choices=_YES_NO,
        coerce=lambda value: value == "true",
        label=_("Evidence for a published verdict"),
        empty_value=None,
        widget=forms.Select,
    )
    overridden = django_filters.TypedChoiceFilter(
        method="filter_overridden",
        choices=_YES_NO,
        coerce=lambda value: value == "true",
        label=_("State set by an editor"),
        empty_value=None,
    )

    def filter_overridden(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.exclude(override_state="") if value else queryset.filter(override_state="")


# ----------------------------------------------------------------------- sources registry


def _countries_in_use():
    from sources.locales import country_name

    codes = Source.objects.exclude(country="").order_by("country").values_list("country", flat=True)
    return [(code, country_name(code)) for code in codes.distinct()]


class SourceFilter(django_filters.FilterSet):
    """Expects ``sources.selectors.source_list``."""

    HEALTH_CHOICES = [
        ("dead", _("Has dead links")),
        ("failing", _("Has failing links")),
        ("trouble", _("Has failing or dead links")),
        ("healthy", _("Checked, none failing or dead")),
        ("no_links", _("No links yet")),
    ]

    q = django_filters.CharFilter(method="filter_search", label=_("Name or domain"))
    kind = django_filters.ChoiceFilter(
        choices=SourceKind.choices, label=_("Kind"), empty_label=_("Any")
    )
    rating = django_filters.ChoiceFilter(
        choices=Reliability.choices, label=_("Reliability"), empty_label=_("Any")
    )
    country = django_filters.ChoiceFilter(
        choices=_countries_in_use, label=_("Country"), empty_label=_("Any")
    )
    health = django_filters.ChoiceFilter(
        method="filter_health", choices=HEALTH_CHOICES, label=_("Link health"), empty_label=_("Any")
    )

    def filter_search(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        domains = SourceDomain.objects.filter(source=OuterRef("pk"), domain__icontains=value)
        return queryset.filter(Q(name__icontains=value) | Exists(domains))

    def filter_health(self, queryset, name, value):
        links = Link.objects.with_effective_state().filter(source=OuterRef("pk"))
        dead = Exists(links.filter(shown_state=LinkState.DEAD))
        failing = Exists(links.filter(shown_state=LinkState.FAILING))
        if value == "dead":
            return queryset.filter(dead)
        if value == "failing":
            return queryset.filter(failing)
        if value == "trouble":
            return queryset.filter(dead | failing)
        if value == "healthy":
            checked = Exists(links.exclude(shown_state=LinkState.UNCHECKED))
            return queryset.filter(checked).exclude(dead | failing)
        if value == "no_links":
            return queryset.exclude(Exists(links))
        return queryset
