"""The Django admin's pages for imported fact-checks (``ExternalFactCheck``): the list, read
only (rows change by importing again), and an upload page for admins
(``/admin/claims/externalfactcheck/import/``): a ClaimReview JSON file (DataFeed, array or
one object) or the address of a fact-check page or feed, imported by
``claims.services.factchecks`` with each refused item listed. Registered from
``claims/admin.py``."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from claims.models import ExternalFactCheck
from claims.services.factchecks import (
    FactCheckImportError,
    factchecks_import,
    factchecks_import_url,
    import_max_bytes,
)

SHOWN_PROBLEMS = 100


class FactCheckImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        required=False,
        help_text=gettext_lazy("ClaimReview JSON: a DataFeed, an array or one object."),
    )
    url = forms.URLField(
        label=gettext_lazy("Url"),
        required=False,
        assume_scheme="https",
        help_text=gettext_lazy("or a fact-check page or feed to fetch"),
    )
    publisher = forms.CharField(
        label=gettext_lazy("Publisher"),
        required=False,
        max_length=300,
        help_text=gettext_lazy("for items that name no publisher"),
    )

    def clean(self):
        data = super().clean()
        if bool(data.get("file")) == bool(data.get("url")):
            raise forms.ValidationError(_("Give a file or an address (one of them)."))
        return data


@admin.register(ExternalFactCheck)
class ExternalFactCheckAdmin(admin.ModelAdmin):
    list_display = ("headline", "publisher_name", "rating", "date_published", "updated_at")
    list_filter = ("publisher_name",)
    search_fields = ("url", "claim_reviewed", "headline")
    date_hierarchy = "date_published"
    readonly_fields = [f.name for f in ExternalFactCheck._meta.fields]
    change_list_template = "admin/claims/externalfactcheck/change_list.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_urls(self):
        view = self.admin_site.admin_view(self.import_view)
        return [path("import/", view, name="claims_externalfactcheck_import"), *super().get_urls()]

    def import_view(self, request):
        if not request.user.is_superuser and not request.user.has_perm(
            "claims.add_externalfactcheck"
        ):
            raise PermissionDenied
        form = FactCheckImportForm(request.POST or None, request.FILES or None)
        report = None
        if request.method == "POST" and form.is_valid():
            publisher = form.cleaned_data["publisher"]
            try:
                if form.cleaned_data["url"]:
                    report = factchecks_import_url(
                        url=form.cleaned_data["url"], user=request.user, publisher=publisher
                    )
                else:
                    upload = form.cleaned_data["file"]
                    if upload.size > import_max_bytes():
                        raise FactCheckImportError(
                            _("The file is larger than the import limit of %(size)s MB.")
                            % {"size": import_max_bytes() // (1024 * 1024)}
                        )
                    report = factchecks_import(
                        data=upload.read(), user=request.user, publisher=publisher
                    )
            except FactCheckImportError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request, _("Fact-checks: %(summary)s.") % {"summary": report.summary()}
                )
                if not report.problems:
                    return redirect("admin:claims_externalfactcheck_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import fact-checks (ClaimReview)"),
            "opts": self.model._meta,
            "form": form,
            "report": report,
            "problems": report.problems[:SHOWN_PROBLEMS] if report else [],
        }
        return TemplateResponse(request, "admin/claims/externalfactcheck/import.html", context)
