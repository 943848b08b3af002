"""Forms of the desk: they parse input; the services decide."""

from __future__ import annotations

import logging

from django import forms
from django.contrib.auth import forms as auth_forms
from django.template import loader
from django.utils.translation import gettext_lazy as _

from desk.services import NAME_MAX, TEAM_ROLES
from factcheck.lib.mail import send_plain_text
from factcheck.lib.roles import ADMIN, EDITOR, REVIEWER

logger = logging.getLogger(__name__)

_ROLE_CHOICE_LABELS = {
    REVIEWER: _("Reviewer: annotates claims, adds evidence, drafts verdicts"),
    EDITOR: _("Editor: a reviewer who also approves and publishes verdicts"),
    ADMIN: _("Admin: an editor who also manages users, sources, rating scales and policy"),
}
ROLE_CHOICES = [(role, _ROLE_CHOICE_LABELS[role]) for role in TEAM_ROLES]


class InviteForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        error_messages={
            "required": _("Give the e-mail address to send the invitation to."),
            "invalid": _("This is not a valid e-mail address."),
        },
        help_text=_("The invitation, with a one-time link to choose a password, goes here."),
    )
    name = forms.CharField(
        label=_("Name"),
        max_length=NAME_MAX,
        error_messages={"required": _("Give the person's name.")},
    )
    role = forms.ChoiceField(
        label=_("Role"),
        choices=ROLE_CHOICES,
        initial=REVIEWER,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a role."), "invalid_choice": _("Choose a role.")},
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(
        label=_("Role"),
        choices=ROLE_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a role."), "invalid_choice": _("Choose a role.")},
    )


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's form (it e-mails active users with a usable password, whatever the case of
    the address) with the site's wording."""

    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": _("Give the e-mail address of your account."),
            "invalid": _("This is not a valid e-mail address."),
        },
    )

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        """Plain text only, sent unencoded (``factcheck.lib.mail``): the link stays whole on
        its line. A failure is logged, as Django does: the page says the same either way."""
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        try:
            send_plain_text(subject, body, [to_email], from_email=from_email)
        except Exception:
            logger.exception("Failed to send password reset email to %s", context["user"].pk)
