from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from claims.urls import public_urlpatterns
from factcheck import views

handler403 = "factcheck.views.error_403"
handler404 = "factcheck.views.error_404"
handler500 = "factcheck.views.error_500"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("review/links/", include("sources.urls")),
    path("review/", include("claims.urls")),
    *public_urlpatterns,
]
