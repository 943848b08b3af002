"""The reader site's own rows: the desk's pages about itself (about, methodology,
corrections policy), written in Markdown and edited by admins."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from factcheck.lib.models import TimeStampedModel
from reader.site_pages import ABOUT, CORRECTIONS_POLICY, METHODOLOGY


class SitePage(TimeStampedModel):
    """One of the desk's public pages about itself. Rendered from Markdown with the
    notes' sanitised rendering (``claims.rendering.render_page_markdown``); an edit in the
    admin refreshes every cached reader page (the header and footer link them)."""

    class Slug(models.TextChoices):
        ABOUT = ABOUT, _("About")
        METHODOLOGY = METHODOLOGY, _("Methodology")
        CORRECTIONS_POLICY = CORRECTIONS_POLICY, _("Corrections policy")

    slug = models.SlugField(_("page"), max_length=50, choices=Slug, unique=True)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(
        _("body"),
        help_text=_(
            "Markdown (no raw HTML). On the methodology page, a line reading {rating-scale} "
            "shows the active rating scale's levels and definitions there."
        ),
    )
    # Optimistic locking: every edit bumps it; a save from an older version is refused.
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("site page")
        verbose_name_plural = _("site pages")
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.title

    @property
    def audit_value(self) -> str:
        return self.slug
