"""Atom feeds of the reader site (Django's syndication framework): new fact-checks and
corrections. Both list what anonymous readers may see, whoever asks."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.syndication.views import Feed
from django.urls import reverse_lazy
from django.utils.feedgenerator import Atom1Feed

from reader import selectors as public

FEED_SIZE = 50


class NewFactChecksFeed(Feed):
    feed_type = Atom1Feed
    link = reverse_lazy("reader:home")
    feed_url = reverse_lazy("reader:feed_fact_checks")

    def title(self):
        return f"{settings.FACTCHECK_SITE_NAME}: new fact-checks"

    def subtitle(self):
        return f"Claims checked and rated by {settings.FACTCHECK_ORGANISATION}."

    def author_name(self):
        return settings.FACTCHECK_ORGANISATION

    def items(self):
        return public.fact_check_list(user=AnonymousUser())[:FEED_SIZE]

    def item_title(self, item):
        return f"{item.rating.label}: “{item.claim.text}”"

    def item_description(self, item):
        demo = ""
        if item.claim.article.is_demo:
            demo = " (Demonstration content: not a real fact-check.)"
        return f"{item.summary}{demo} From “{item.claim.article.title}”."

    def item_link(self, item):
        return public.claim_path(item.claim)

    def item_guid(self, item):
        return f"{public.claim_path(item.claim)}#version-{item.number}"

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.published_at

    def item_categories(self, item):
        return [item.rating.label]


class CorrectionsFeed(Feed):
    feed_type = Atom1Feed
    link = reverse_lazy("reader:corrections")
    feed_url = reverse_lazy("reader:feed_corrections")

    def title(self):
        return f"{settings.FACTCHECK_SITE_NAME}: corrections"

    def subtitle(self):
        return "Every change to a published verdict: what changed and why."

    def author_name(self):
        return settings.FACTCHECK_ORGANISATION

    def items(self):
        return public.corrections_list(user=AnonymousUser())[:FEED_SIZE]

    def item_title(self, item):
        before, after = item.supersedes.rating.label, item.rating.label
        change = f"{before} → {after}" if before != after else f"{after} (rating unchanged)"
        return f"Correction: “{item.claim.text}” — {change}"

    def item_description(self, item):
        return f"What changed and why: {item.correction_note} New summary: {item.summary}"

    def item_link(self, item):
        return public.claim_path(item.claim)

    def item_guid(self, item):
        return f"{public.claim_path(item.claim)}#version-{item.number}"

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.published_at
