"""Link health pages, mounted at /review/links/ (namespace ``links``)."""

from django.urls import path

from sources import views

app_name = "links"
urlpatterns = [
    path("", views.link_list, name="list"),
    path("hosts/", views.host_summary, name="hosts"),
    path("at-risk/", views.evidence_at_risk, name="at_risk"),
    path("<int:pk>/", views.link_detail, name="detail"),
    path("<int:pk>/override/", views.link_override, name="override"),
    path("<int:pk>/check/", views.link_check_now, name="check_now"),
]
