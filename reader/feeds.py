"""Atom feeds of the reader site (Django's syndication framework): new fact-checks and
corrections. Both list what anonymous readers may see, whoever asks."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.syndication.views import Feed
from django.urls import reverse_lazy
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext, gettext_lazy

from reader import selectors as public

FEED_SIZE = 50


class PublishedVerdictsFeed(Feed):
    """What both feeds share: Atom, the organisation as author, and published verdicts (at
    most ``FEED_SIZE``, as an anonymous reader sees them), one entry per verdict version
    linked to its claim's page. A subclass names its ``heading`` and its ``verdicts``."""

    feed_type = Atom1Feed
    heading = ""  # after the site's name in the feed's title
    item_guid_is_permalink = False

    def verdicts(self, *, user):
        raise NotImplementedError

    def title(self):
        return f"{settings.FACTCHECK_SITE_NAME}: {self.heading}"

    def author_name(self):
        return settings.FACTCHECK_ORGANISATION

    def items(self):
        return self.verdicts(user=AnonymousUser())[:FEED_SIZE]

    def item_link(self, item):
        return public.claim_path(item.claim)

    def item_guid(self, item):
        return f"{public.claim_path(item.claim)}#version-{item.number}"

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.published_at


class NewFactChecksFeed(PublishedVerdictsFeed):
    link = reverse_lazy("reader:home")
    feed_url = reverse_lazy("reader:feed_fact_checks")
    heading = gettext_lazy("new fact-checks")

    def verdicts(self, *, user):
        return public.fact_check_list(user=user)

    def subtitle(self):
        return gettext("Claims checked and rated by %(organisation)s.") % {
            "organisation": settings.FACTCHECK_ORGANISATION
        }

    def item_title(self, item):
        return f"{item.rating.label}: “{item.checked_wording}”"

    def item_description(self, item):
        article = item.claim.article
        if article is None:
            return item.summary
        if article.is_demo:
            return gettext(
                "%(summary)s (Demonstration content: not a real fact-check.) From “%(title)s”."
            ) % {"summary": item.summary, "title": article.title}
        return gettext("%(summary)s From “%(title)s”.") % {
            "summary": item.summary,
            "title": article.title,
        }

    def item_categories(self, item):
        return [item.rating.label]


class CorrectionsFeed(PublishedVerdictsFeed):
    link = reverse_lazy("reader:corrections")
    feed_url = reverse_lazy("reader:feed_corrections")
    heading = gettext_lazy("corrections")

    def verdicts(self, *, user):
        return public.corrections_list(user=user)

    def subtitle(self):
        return gettext("Every change to a published verdict: what changed and why.")

    def item_title(self, item):
        before, after = item.supersedes.rating.label, item.rating.label
        if before != after:
            return gettext("Correction: “%(wording)s” — %(before)s → %(after)s") % {
                "wording": item.checked_wording,
                "before": before,
                "after": after,
            }
        return gettext("Correction: “%(wording)s” — %(after)s (rating unchanged)") % {
            "wording": item.checked_wording,
            "after": after,
        }

    def item_description(self, item):
        return gettext("What changed and why: %(note)s New summary: %(summary)s") % {
            "note": item.correction_note,
            "summary": item.summary,
        }
