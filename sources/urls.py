"""The sources app's pages, mounted at /review/ (namespace ``sources``): link health under
links/, the sources registry under sources/."""

from django.urls import path

from sources import source_views, views

app_name = "sources"
urlpatterns = [
    # Link health.
    path("links/", views.link_list, name="link_list"),
    path("links/hosts/", views.host_summary, name="link_hosts"),
    path("links/<int:pk>/", views.link_detail, name="link_detail"),
    path("links/<int:pk>/override/", views.link_override, name="link_override"),
    path("links/<int:pk>/check/", views.link_check_now, name="link_check_now"),
    # The sources registry (publishers, their domains and reliability ratings).
    path("sources/", source_views.source_list, name="list"),
    path("sources/new/", source_views.source_create, name="create"),
    path("sources/export.csv", source_views.source_export, name="export"),
    path("sources/import/", source_views.source_import, name="import"),
    path("sources/import/confirm/", source_views.source_import_confirm, name="import_confirm"),
    path("sources/import/jobs/<int:pk>/", source_views.source_import_job, name="import_job"),
    path("sources/unregistered/", source_views.unregistered_domains, name="unregistered"),
    path(
        "sources/unregistered/register/",
        source_views.register_domain,
        name="register_domain",
    ),
    path("sources/<int:pk>/", source_views.source_detail, name="detail"),
    path("sources/<int:pk>/edit/", source_views.source_edit, name="edit"),
]
