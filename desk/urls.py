"""Desk pages, mounted under /review/ (namespace ``desk``), and the account pages."""

from django.contrib.auth import views as auth_views
from django.urls import path

from desk import views

# Password reset and invitations (no namespace: Django's auth views reverse these names).
account_urlpatterns = [
    path("accounts/password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path(
        "accounts/invitation/<uidb64>/<token>/",
        views.InvitationAcceptView.as_view(),
        name="invitation_accept",
    ),
]

app_name = "desk"
urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("team/", views.team, name="team"),
    path("team/invite/", views.user_invite, name="user_invite"),
    path("team/<int:pk>/", views.user_detail, name="user_detail"),
    path("team/<int:pk>/role/", views.user_role, name="user_role"),
    path("team/<int:pk>/deactivate/", views.user_deactivate, name="user_deactivate"),
    path("team/<int:pk>/reactivate/", views.user_reactivate, name="user_reactivate"),
    path(
        "team/<int:pk>/resend-invitation/",
        views.user_invitation_resend,
        name="user_invitation_resend",
    ),
    path("scales/", views.scales, name="scales"),
    path("scales/<int:pk>/activate/", views.scale_activate, name="scale_activate"),
    path("scales/levels/<int:pk>/deactivate/", views.level_deactivate, name="level_deactivate"),
    path("scales/levels/<int:pk>/reactivate/", views.level_reactivate, name="level_reactivate"),
    path("scales/levels/<int:pk>/delete/", views.level_delete, name="level_delete"),
    path("link-policy/", views.link_policy, name="link_policy"),
]
