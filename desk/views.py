"""Desk pages: the dashboard (reviewers and up), the team and the link-check policy
(admins), and the account pages everybody uses (password reset, accepting an invitation)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from claims import services as claim_services
from claims.models import RatingLevel, RatingScale
from desk import selectors, services
from desk.dashboard import dashboard_context_kept
from desk.forms import InviteForm, PasswordResetForm, RoleForm
from desk.policy import policy_settings
from factcheck.lib.auth import permission_required
from factcheck.lib.roles import ROLE_NAMES
from factcheck.lib.versions import ConflictError, parse_version, version_required
from factcheck.lib.views import add_service_errors

VIEW_DASHBOARD = "desk.view_dashboard"
MANAGE_TEAM = services.MANAGE_TEAM
VIEW_LINK_POLICY = "desk.view_link_policy"
TEAM_PAGE_SIZE = 100


def _base_url(request) -> str:
    """Links in e-mails point at the address the admin is using."""
    return request.build_absolute_uri("/")


# ------------------------------------------------------------------------- dashboard


@permission_required(VIEW_DASHBOARD)
def dashboard(request):
    period = selectors.period_for(request.GET.get("days"))
    return render(
        request, "desk/dashboard.html", dashboard_context_kept(user=request.user, period=period)
    )


# ------------------------------------------------------------------------- the team


@permission_required(MANAGE_TEAM)
def team(request):
    page = Paginator(selectors.team_list(user=request.user), TEAM_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "desk/team.html",
        {"page": page, "history": selectors.team_history(user=request.user)},
    )


@permission_required(MANAGE_TEAM)
def user_invite(request):
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_invite(
                actor=request.user, base_url=_base_url(request), **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "Invitation sent to %(email)s. Their username is %(username)s; the link in "
                    "the e-mail lets them choose a password."
                )
                % {"email": user.email, "username": user.get_username()},
            )
            return redirect("desk:user_detail", pk=user.pk)
    status = 400 if form.is_bound else 200
    return render(request, "desk/user_invite.html", {"form": form}, status=status)


def _person(pk: int):
    try:
        return get_user_model().objects.get(pk=pk)
    except get_user_model().DoesNotExist:
        raise Http404("No such user.") from None


def _user_page(request, person, *, role_form=None, status=200):
    role = services.role_of(person)
    context = {
        "person": person,
        "role": role,
        "is_self": person.pk == request.user.pk,
        "pending": person.is_active and not person.has_usable_password(),
        "role_form": role_form or RoleForm(initial={"role": role}),
        "activity": selectors.user_activity(user=request.user, person=person),
        "history": selectors.user_history(user=request.user, person=person),
    }
    return render(request, "desk/user_detail.html", context, status=status)


@permission_required(MANAGE_TEAM)
def user_detail(request, pk: int):
    return _user_page(request, _person(pk))


@permission_required(MANAGE_TEAM)
@require_POST
def user_role(request, pk: int):
    person = _person(pk)
    form = RoleForm(request.POST)
    if form.is_valid():
        try:
            services.user_change_role(
                actor=request.user, user=person, role=form.cleaned_data["role"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            role = form.cleaned_data["role"]
            messages.success(
                request,
                _("%(username)s is now %(role)s.")
                % {"username": person.get_username(), "role": ROLE_NAMES.get(role, role)},
            )
            return redirect("desk:user_detail", pk=person.pk)
    return _user_page(request, person, role_form=form, status=400)


def _account_action(request, pk: int, action, done: str, **extra):
    """One POST button of the user page: the service's refusal is shown as a message."""
    person = _person(pk)
    try:
        action(actor=request.user, user=person, **extra)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done % {"username": person.get_username()})
    return redirect("desk:user_detail", pk=person.pk)


@permission_required(MANAGE_TEAM)
@require_POST
def user_deactivate(request, pk: int):
    return _account_action(
        request,
        pk,
        services.user_deactivate,
        gettext_lazy(
            "%(username)s is deactivated: they can no longer log in. Their work stays "
            "attributed to them."
        ),
    )


@permission_required(MANAGE_TEAM)
@require_POST
def user_reactivate(request, pk: int):
    return _account_action(
        request,
        pk,
        services.user_reactivate,
        gettext_lazy("%(username)s is active again and can log in."),
    )


@permission_required(MANAGE_TEAM)
@require_POST
def user_invitation_resend(request, pk: int):
    return _account_action(
        request,
        pk,
        services.user_invitation_resend,
        gettext_lazy("A new invitation link was sent to %(username)s."),
        base_url=_base_url(request),
    )


# ------------------------------------------------------------------------- rating scales

MANAGE_SCALES = claim_services.MANAGE_SCALES


def _scales_page(request, *, conflict: ConflictError | None = None, status: int = 200):
    context = {"scales": selectors.scales_overview(user=request.user), "conflict": conflict}
    return render(request, "desk/scales.html", context, status=status)


@permission_required(MANAGE_SCALES)
def scales(request):
    return _scales_page(request)


def _scale_action(request, obj, action, done: str):
    """A POST button of the scales page, made from the row's ``version``: a stale one is
    answered 409 with the row's saved values; the service's refusal is shown as a message."""
    kwarg = "scale" if isinstance(obj, RatingScale) else "level"
    name = obj.name if isinstance(obj, RatingScale) else obj.label
    try:
        action(actor=request.user, version=parse_version(request.POST["version"]), **{kwarg: obj})
    except ConflictError as exc:
        messages.error(request, str(exc))
        return _scales_page(request, conflict=exc, status=409)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done % {"name": name})
    return redirect("desk:scales")


def _scale_view(model, action, done: str):
    """The view of one POST button of the scales page, on a ``model`` row by its pk."""

    @permission_required(MANAGE_SCALES)
    @require_POST
    @version_required
    def view(request, pk: int):
        return _scale_action(request, get_object_or_404(model, pk=pk), action, done)

    return view


scale_activate = _scale_view(
    RatingScale,
    claim_services.rating_scale_activate,
    gettext_lazy("“%(name)s” is now the active scale: new verdicts are drafted on it."),
)
level_deactivate = _scale_view(
    RatingLevel,
    claim_services.rating_level_deactivate,
    gettext_lazy(
        "“%(name)s” is no longer offered for new verdicts; the verdicts that use it keep it."
    ),
)
level_reactivate = _scale_view(
    RatingLevel,
    claim_services.rating_level_reactivate,
    gettext_lazy("“%(name)s” is offered for new verdicts again."),
)
level_delete = _scale_view(
    RatingLevel, claim_services.rating_level_delete, gettext_lazy("“%(name)s” was deleted.")
)


# ------------------------------------------------------------------------- policy


@permission_required(VIEW_LINK_POLICY)
def link_policy(request):
    return render(request, "desk/link_policy.html", {"groups": policy_settings()})


# ------------------------------------------------------------------------- accounts


class PasswordResetView(auth_views.PasswordResetView):
    """Always says the same thing, whether the address is known or not."""

    template_name = "registration/password_reset_form.html"
    form_class = PasswordResetForm
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"

    def form_valid(self, form):
        self.extra_email_context = {"site_name": settings.FACTCHECK_SITE_NAME}
        return super().form_valid(form)


class _SetPasswordView(auth_views.PasswordResetConfirmView):
    """Choosing a password from a one-time link; the change is recorded in the audit log.
    Links of deactivated accounts do not work."""

    via = "reset"
    success_url = reverse_lazy("password_reset_complete")

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        return user if user is not None and user.is_active else None

    def form_valid(self, form):
        with transaction.atomic():
            response = super().form_valid(form)
            services.user_password_set(user=form.user, via=self.via)
        return response


class PasswordResetConfirmView(_SetPasswordView):
    template_name = "registration/password_reset_confirm.html"


class InvitationAcceptView(_SetPasswordView):
    template_name = "registration/invitation_accept.html"
    via = "invitation"
