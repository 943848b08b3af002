"""The reviewer queue's filters (django-filter). Every filter is a GET parameter, so any
view of the queue is a bookmarkable URL."""

from __future__ import annotations

import re
from datetime import datetime, time

import django_filters
from django import forms
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from claims import selectors
from claims.forms import QueueFilterForm
from claims.models import Article, Claim
from claims.services.earlier_checks import EARLIER_CHECK_MIN_SIMILARITY
from factcheck.lib.widgets import PythonSelect

ORDERING = (
    ("updated_at", "updated"),
    ("created_at", "created"),
    ("checkworthiness", "score"),
    ("status", "status"),
    ("article__title", "article"),
    ("assignee__username", "assignee"),
    ("id", "number"),
)
DEFAULT_ORDERING = ["-updated_at", "-id"]
MINE, UNASSIGNED, UNRATED = "mine", "unassigned", "unrated"
EARLIER_CHECK_YES = "yes"
# "Has an earlier check" reads the stored comparison (claims.services.earlier_checks); the
# page counts the claims of the view still waiting for it, up to this many.
EARLIER_CHECK_WAITING_COUNT = 1000
ARTICLE_SUGGESTIONS = 20
_ARTICLE_NUMBER = re.compile(r"^#?(\d{1,12})$|\(#(\d{1,12})\)\s*$")


def article_number(value: str) -> int | None:
    """The article number in what the article field holds: ``123``, ``#123``, or a picked
    suggestion ``Title (#123)``; ``None`` for a title search."""
    match = _ARTICLE_NUMBER.search(value.strip())
    if not match:
        return None
    return int(match.group(1) or match.group(2))


def article_title_suggestions(*, user, query: str, limit: int = ARTICLE_SUGGESTIONS) -> list:
    """At most ``limit`` articles ``user`` may see (ready ones) whose title contains
    ``query`` (or the article with that number), newest first. One query, bounded."""
    query = (query or "").strip()[:200]
    articles = Article.objects.visible_to(user).only("id", "title")
    pk = article_number(query)
    if pk is not None:
        return list(articles.filter(pk=pk))
    if len(query) < 2:
        return []
    return list(articles.filter(title__icontains=query).order_by("-created_at", "-id")[:limit])


class _Ordering(django_filters.OrderingFilter):
    """Orders with a tie-breaker, so pagination is stable. Claims with no score (from an
    article in a language with no check-worthiness model) come after the scored ones, by score
    up or down (the databases disagree on where NULL sorts)."""

    def filter(self, qs, value):
        if not value:
            return qs.order_by(*DEFAULT_ORDERING)
        ordering = [_nulls_last(self.get_ordering_value(param)) for param in value if param]
        return qs.order_by(*ordering, "-id")


def _nulls_last(ordering: str):
    if ordering.lstrip("-") != "checkworthiness":
        return ordering
    field = F("checkworthiness")
    return field.desc(nulls_last=True) if ordering.startswith("-") else field.asc(nulls_last=True)


def _day_start(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _day_end(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.max))


_DATE = forms.DateInput(attrs={"type": "date"})


class ClaimQueueFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=gettext_lazy("Search claims"),
        method="filter_text",
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": gettext_lazy("words, or #number")}
        ),
    )
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("Status"),
        choices=Claim.Status.choices,
        empty_label=gettext_lazy("Any status"),
        widget=PythonSelect,
    )
    assignee = django_filters.ChoiceFilter(
        label=gettext_lazy("Assignee"),
        method="filter_assignee",
        empty_label=gettext_lazy("Anyone"),
        widget=PythonSelect,
    )
    # A title (its claims' articles' titles contain it), or one article: its number ("123",
    # "#123", the old ``?article=<id>`` links) or a suggestion picked ("Title (#123)").
    article = django_filters.CharFilter(
        label=gettext_lazy("Article"),
        method="filter_article",
        widget=forms.TextInput(
            attrs={
                "list": "article-titles",
                "autocomplete": "off",
                "placeholder": gettext_lazy("title or #number"),
            }
        ),
    )
    score_min = django_filters.NumberFilter(
        field_name="checkworthiness",
        lookup_expr="gte",
        label=gettext_lazy("Check-worthiness from"),
        widget=forms.NumberInput(attrs={"min": 0, "max": 1, "step": "0.05"}),
    )
    score_max = django_filters.NumberFilter(
        field_name="checkworthiness",
        lookup_expr="lte",
        label=gettext_lazy("Check-worthiness to"),
        widget=forms.NumberInput(attrs={"min": 0, "max": 1, "step": "0.05"}),
    )
    rating = django_filters.ChoiceFilter(
        label=gettext_lazy("Rating"),
        method="filter_rating",
        empty_label=gettext_lazy("Any"),
        widget=PythonSelect,
    )
    link_health = django_filters.ChoiceFilter(
        label=gettext_lazy("Link health"),
        method="filter_link_health",
        empty_label=gettext_lazy("Any"),
        choices=[("trouble", gettext_lazy("Has dead or failing evidence"))],
        widget=PythonSelect,
    )
    at_risk = django_filters.ChoiceFilter(
        label=gettext_lazy("Evidence at risk"),
        method="filter_at_risk",
        empty_label=gettext_lazy("Any"),
        choices=[("yes", gettext_lazy("Published with a dead evidence link"))],
        widget=PythonSelect,
    )
    created_from = django_filters.DateFilter(
        label=gettext_lazy("Created from"), method="filter_created_from", widget=_DATE
    )
    created_to = django_filters.DateFilter(
        label=gettext_lazy("Created to"), method="filter_created_to", widget=_DATE
    )
    updated_from = django_filters.DateFilter(
        label=gettext_lazy("Updated from"), method="filter_updated_from", widget=_DATE
    )
    updated_to = django_filters.DateFilter(
        label=gettext_lazy("Updated to"), method="filter_updated_to", widget=_DATE
    )
    earlier_check = django_filters.ChoiceFilter(
        label=gettext_lazy("Checked before"),
        method="filter_earlier_check",
        empty_label=gettext_lazy("Any"),
        choices=[(EARLIER_CHECK_YES, gettext_lazy("Has an earlier check"))],
        widget=PythonSelect,
    )
    o = _Ordering(fields=ORDERING, label=gettext_lazy("Sort by"))

    class Meta:
        model = Claim
        fields = []
        form = QueueFilterForm

    def __init__(self, *args, user, reviewers, levels, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.filters["assignee"].extra["choices"] = [
            (MINE, _("Assigned to me")),
            (UNASSIGNED, _("Unassigned")),
            *((str(u.pk), u.get_username()) for u in reviewers),
        ]
        self.filters["rating"].extra["choices"] = [
            (UNRATED, _("No rating yet")),
            *((str(level.pk), level.label) for level in levels),
        ]
        # Suggestions as the title is typed (htmx); without script the field is a plain
        # title search.
        self.form.fields["article"].widget.attrs.update(
            {
                "hx-get": reverse("claims:article_titles"),
                "hx-trigger": "input changed delay:250ms",
                "hx-target": "#article-titles",
                "hx-swap": "innerHTML",
            }
        )
        # How many claims of the view are not compared with earlier checks yet (the page
        # says it when "Has an earlier check" is chosen); None otherwise.
        self.earlier_check_waiting = None

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self.form.cleaned_data.get("earlier_check") == EARLIER_CHECK_YES:
            waiting = queryset.filter(earlier_check_at__isnull=True)
            self.earlier_check_waiting = waiting[: EARLIER_CHECK_WAITING_COUNT + 1].count()
            queryset = queryset.filter(earlier_check_score__gte=EARLIER_CHECK_MIN_SIMILARITY)
        return queryset

    def filter_earlier_check(self, queryset, name, value):
        return queryset  # applied in filter_queryset, which also counts what waits

    def filter_article(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        pk = article_number(value)
        if pk is not None:
            return queryset.filter(article_id=pk)
        return queryset.filter(article__title__icontains=value[:500])

    def filter_text(self, queryset, name, value):
        return selectors.claim_text_search(queryset, value)

    def filter_assignee(self, queryset, name, value):
        if value == MINE:
            return queryset.filter(assignee=self.user)
        if value == UNASSIGNED:
            return queryset.filter(assignee__isnull=True)
        return queryset.filter(assignee_id=int(value))

    def filter_rating(self, queryset, name, value):
        if value == UNRATED:
            return queryset.filter(rating__isnull=True)
        return queryset.filter(rating_id=int(value))

    def filter_link_health(self, queryset, name, value):
        return queryset.filter(selectors.link_trouble_exists()) if value else queryset

    def filter_at_risk(self, queryset, name, value):
        return queryset.filter(selectors.evidence_at_risk_exists()) if value else queryset

    def filter_created_from(self, queryset, name, value):
        return queryset.filter(created_at__gte=_day_start(value))

    def filter_created_to(self, queryset, name, value):
        return queryset.filter(created_at__lte=_day_end(value))

    def filter_updated_from(self, queryset, name, value):
        return queryset.filter(updated_at__gte=_day_start(value))

    def filter_updated_to(self, queryset, name, value):
        return queryset.filter(updated_at__lte=_day_end(value))
