"""The reader site, mounted at / (namespace ``reader``): public, cached per published
version for anonymous readers."""

from django.contrib.sitemaps.views import sitemap
from django.urls import path

from reader import cache, embeds, site_pages, views
from reader.feeds import CorrectionsFeed, NewFactChecksFeed
from reader.sitemaps import SITEMAPS

_lists = cache.reader_page(lambda request, kwargs: cache.LISTS)

app_name = "reader"
urlpatterns = [
    path("", views.home, name="home"),
    path("articles/<str:key>/", views.article_detail, name="article_detail"),
    path("claims/<str:key>/", views.claim_page, name="claim_page"),
    # The verdict card other sites may frame (announced by /api/v1/oembed/).
    path("embed/claims/<str:key>/", embeds.claim_card, name="embed_claim"),
    path("corrections/", views.corrections, name="corrections"),
    path("claimants/<str:key>/", views.claimant_page, name="claimant_page"),
    # The desk's pages about itself (reader.SitePage, edited by admins).
    path("about/", views.site_page, {"slug": site_pages.ABOUT}, name="about"),
    path("methodology/", views.site_page, {"slug": site_pages.METHODOLOGY}, name="methodology"),
    path(
        "corrections-policy/",
        views.site_page,
        {"slug": site_pages.CORRECTIONS_POLICY},
        name="corrections_policy",
    ),
    path("feeds/fact-checks/", _lists(NewFactChecksFeed()), name="feed_fact_checks"),
    path("feeds/corrections/", _lists(CorrectionsFeed()), name="feed_corrections"),
    # Every published ClaimReview, for fact-check aggregators (schema.org DataFeed).
    path("feeds/claimreview.json", views.feed_claimreview, name="feed_claimreview"),
    path("sitemap.xml", _lists(sitemap), {"sitemaps": SITEMAPS}, name="sitemap"),
]
