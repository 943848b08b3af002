"""The sources registry pages, mounted at /review/sources/ (namespace ``sources``)."""

from django.urls import path

from sources import source_views as views

app_name = "sources"
urlpatterns = [
    path("", views.source_list, name="list"),
    path("new/", views.source_create, name="create"),
    path("export.csv", views.source_export, name="export"),
    path("import/", views.source_import, name="import"),
    path("import/confirm/", views.source_import_confirm, name="import_confirm"),
    path("unregistered/", views.unregistered_domains, name="unregistered"),
    path("unregistered/register/", views.register_domain, name="register_domain"),
    path("<int:pk>/", views.source_detail, name="detail"),
    path("<int:pk>/edit/", views.source_edit, name="edit"),
]
