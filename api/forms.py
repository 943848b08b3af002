from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from api.models import ApiToken, WebhookEndpoint


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=ApiToken._meta.get_field("name").max_length,
        help_text=_("What the token is for, e.g. “Newsroom CMS” or “fact-check widget”."),
    )


class WebhookForm(forms.Form):
    url = forms.CharField(
        label=_("Receiver address"),
        max_length=2000,
        help_text=_("An https:// address of your system that accepts POSTed JSON."),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=WebhookEndpoint.Event.choices,
        widget=forms.CheckboxSelectMultiple,
    )
