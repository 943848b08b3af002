"""Django admin for the sources app. Changes to sources go through the registry services
(``sources.services.registry``), so admin edits are validated, audited and attach links."""

import io

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from factcheck.lib.admin import LocksVersions
from sources import csv_format, locales, services
from sources.models import Link, LinkCheck, Source, SourceDomain, SourceRating
from sources.registry import normalize_domain


class SourceDomainForm(forms.ModelForm):
    class Meta:
        model = SourceDomain
        fields = ["domain"]

    def clean_domain(self):
        domain = normalize_domain(self.cleaned_data.get("domain", ""))
        owner = SourceDomain.objects.filter(domain=domain).select_related("source").first()
        if owner is not None and owner.source_id != getattr(self.instance, "source_id", None):
            raise ValidationError(
                gettext("%(domain)s already belongs to %(source)s.")
                % {"domain": domain, "source": owner.source.name}
            )
        return domain


class SourceDomainInline(admin.TabularInline):
    model = SourceDomain
    form = SourceDomainForm
    extra = 1
    fields = ["domain", "created_at"]
    readonly_fields = ["created_at"]


class SourceRatingInline(admin.TabularInline):
    """The rating history, read only (a change of rating in the form above adds a row)."""

    model = SourceRating
    extra = 0
    can_delete = False
    fields = ["created_at", "rating", "rating_rationale", "rated_by"]
    readonly_fields = fields
    ordering = ["-created_at", "-id"]
    verbose_name = _("rating in the history")
    verbose_name_plural = _("rating history")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class SourceAdminForm(forms.ModelForm):
    country = forms.ChoiceField(
        choices=lambda: [("", gettext("Not set")), *locales.countries_shown().items()],
        required=False,
    )
    language = forms.ChoiceField(
        choices=lambda: [("", gettext("Not set")), *locales.languages_shown().items()],
        required=False,
    )

    class Meta:
        model = Source
        fields = [
            "name",
            "kind",
            "home_url",
            "country",
            "language",
            "rating",
            "rating_rationale",
            "notes",
        ]


class HasDomainsFilter(admin.SimpleListFilter):
    title = _("domains")
    parameter_name = "has_domains"

    def lookups(self, request, model_admin):
        return [("yes", _("Owns domains")), ("no", _("No domain"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(domains__isnull=False).distinct()
        if self.value() == "no":
            return queryset.filter(domains__isnull=True)
        return queryset


@admin.register(Source)
class SourceAdmin(LocksVersions, admin.ModelAdmin):
    form = SourceAdminForm
    list_display = ("name", "kind", "rating", "country", "language", "domain_list", "link_count")
    list_filter = ("kind", "rating", "country", HasDomainsFilter, "updated_at")
    search_fields = ("name", "domains__domain", "home_url", "notes")
    search_help_text = _("Name, domain, home page or notes.")
    inlines = [SourceDomainInline, SourceRatingInline]
    readonly_fields = ("created_at", "updated_at")
    fieldsets = [
        (None, {"fields": ["name", "kind", "home_url", "country", "language"]}),
        (
            _("Reliability"),
            {
                "fields": ["rating", "rating_rationale"],
                "description": _(
                    "A change of rating or rationale is added to the history below, with your name."
                ),
            },
        ),
        (None, {"fields": ["notes", "created_at", "updated_at"]}),
    ]
    actions = ["export_csv", "reattach_links"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related("domains")
            .annotate(link_total=Count("links", distinct=True))
        )

    @admin.display(description=_("domains"))
    def domain_list(self, obj):
        return " ".join(d.domain for d in obj.domains.all()) or "—"

    @admin.display(description=_("links"), ordering="link_total")
    def link_count(self, obj):
        return obj.link_total

    # Writes go through the registry services: validated, audited, links attached.

    def _fields(self, form) -> dict:
        return {name: form.cleaned_data[name] for name in SourceAdminForm.Meta.fields}

    def save_model(self, request, obj, form, change):
        fields = self._fields(form)
        if change:
            # The form checked the version and locked the row (``LocksVersions``).
            saved = services.source_update(
                source=obj, user=request.user, version=form.locked_version, **fields
            )
        else:
            saved = services.source_create(user=request.user, **fields)
        obj.pk = saved.pk
        obj.refresh_from_db()

    def save_formset(self, request, form, formset, change):
        if formset.model is not SourceDomain:
            return super().save_formset(request, form, formset, change)
        keep = [
            f.cleaned_data["domain"]
            for f in formset.forms
            if f.cleaned_data.get("domain") and not f.cleaned_data.get("DELETE")
        ]
        # The same admin save as the source's fields: on the version they left.
        services.source_domains_set(
            source=form.instance,
            user=request.user,
            domains=keep,
            version=form.instance.version,
        )
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    def save_related(self, request, form, formsets, change):
        form.save_m2m()
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_model(self, request, obj):
        services.source_delete(source=obj, user=request.user)

    def delete_queryset(self, request, queryset):
        for source in queryset:
            services.source_delete(source=source, user=request.user)

    @admin.action(description=_("Export the selected sources as CSV"))
    def export_csv(self, request, queryset):
        stream = io.StringIO()
        csv_format.write(
            (csv_format.source_row(s) for s in queryset.order_by("name")), stream, bom=True
        )
        response = HttpResponse(stream.getvalue(), content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="sources-{stamp}.csv"'
        return response

    @admin.action(
        description=_("Attach the links of the selected sources' domains again"),
        permissions=["change"],
    )
    def reattach_links(self, request, queryset):
        report = services.source_links_reattach(sources=list(queryset), user=request.user)
        self.message_user(
            request,
            ngettext(
                "%(links)s link and %(evidence)s piece(s) of evidence attached again.",
                "%(links)s links and %(evidence)s piece(s) of evidence attached again.",
                report.links,
            )
            % {"links": report.links, "evidence": report.evidence},
            messages.SUCCESS,
        )


@admin.register(Link)
class LinkAdmin(LocksVersions, admin.ModelAdmin):
    list_display = ("url", "host", "state", "last_status", "last_checked_at", "next_check_at")
    list_filter = ("state", "last_outcome")
    search_fields = ("url", "host")
    # Health is written by the checker and overrides by editors on the link pages (audited).
    readonly_fields = (
        "state",
        "last_checked_at",
        "last_status",
        "last_outcome",
        "final_url",
        "consecutive_failures",
        "failure_points",
        "first_failure_at",
        "last_counted_failure_at",
        "moved_to_host",
        "archive_checked_at",
        "queued_at",
        "checking_since",
        "override_state",
        "override_reason",
        "override_by",
        "override_at",
    )

    def edit_recorded(self, request, obj, changes: dict) -> None:
        from audit.services import audit_record

        audit_record(
            actor=request.user,
            action="sources.link.edited",
            target=obj,
            changes=changes,
            message="Edited in the Django admin.",
        )


@admin.register(LinkCheck)
class LinkCheckAdmin(admin.ModelAdmin):
    list_display = ("link", "checked_at", "outcome", "status", "state_after", "elapsed_ms")
    list_filter = ("outcome", "state_after")
    search_fields = ("link__url",)
    list_select_related = ("link",)
    date_hierarchy = "checked_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
