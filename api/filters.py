"""The reviewer queue's filters (``claims.filters.ClaimQueueFilter``) through django-filter's
DRF backend: the same parameters and meanings as ``/review/claims/``."""

from __future__ import annotations

import copy

import django_filters
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.drainage import set_override
from drf_spectacular.types import OpenApiTypes

from claims import selectors
from claims.filters import ClaimQueueFilter
from sources.filters import LinkFilter, SourceFilter


class ClaimFilter(ClaimQueueFilter):
    """The queue's filters without its ``o`` (sort): the API's lists are cursor-paginated,
    in the queue's default order (changed last first)."""

    o = None


class QueueFilterBackend(DjangoFilterBackend):
    """Gives the queue's filter set what its form needs: the user (``assignee=mine``), the
    reviewers and the rating levels to choose from."""

    def get_filterset_kwargs(self, request, queryset, view):
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        kwargs["user"] = request.user
        kwargs["reviewers"], kwargs["levels"] = selectors.queue_filter_choices()
        return kwargs


class SourceApiFilter(SourceFilter):
    """The sources page's filters; ``country`` takes any ISO code (the page offers the
    countries in use, read from the database when the form is drawn)."""

    country = django_filters.CharFilter(field_name="country", lookup_expr="iexact")


class LinkApiFilter(LinkFilter):
    """The link health page's filters; its two yes/no filters (on an annotation and a
    method, which the schema cannot see through) are described as booleans."""

    @classmethod
    def get_filters(cls):
        filters = super().get_filters()
        for name in ("used_by_published", "overridden"):
            filters[name] = copy.deepcopy(filters[name])
            set_override(filters[name], "field", OpenApiTypes.BOOL)
        return filters
