from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy

from audit.services import audit_record
from claims import services
from claims.models import (
    Article,
    ArticleSentence,
    CitedLink,
    Claim,
    Claimant,
    Evidence,
    IngestJob,
    Note,
    RatingLevel,
    RatingScale,
    Topic,
    Verdict,
    VerdictContribution,
)
from factcheck.lib.admin import LocksVersions, RefreshesReaderPages
from factcheck.lib.versions import NO_VERSION_CHECK


class AuditedEdits(LocksVersions):
    """Admin edits carry the row's version (``LocksVersions``) and are audited as
    ``claims.<model>.edited`` (on the claim's or the article's history when they are one)."""

    edit_action = ""

    def edit_recorded(self, request, obj, changes: dict) -> None:
        audit_record(
            actor=request.user,
            action=self.edit_action,
            claim=obj if isinstance(obj, Claim) else None,
            article=obj if isinstance(obj, Article) else None,
            target=obj,
            changes=changes,
            message="Edited in the Django admin.",
        )


class ClaimInline(admin.TabularInline):
    model = Claim
    fields = (
        "start",
        "end",
        "text",
        "status",
        "origin",
        "is_orphaned",
        "checkworthiness",
        "assignee",
    )
    # The status changes through the workflow services only (each writes an audit event);
    # the assignment too (the claim page, or the claim's own admin page, with its version).
    readonly_fields = (
        "assignee",
        "start",
        "end",
        "text",
        "status",
        "origin",
        "is_orphaned",
        "checkworthiness",
    )
    extra = 0
    show_change_link = True


@admin.register(Article)
class ArticleAdmin(RefreshesReaderPages, AuditedEdits, admin.ModelAdmin):
    edit_action = "claims.article.edited"
    list_display = ("title", "url", "source_format", "is_demo", "may_republish", "created_at")
    list_filter = ("source_format", "is_demo", "may_republish", "created_at")
    search_fields = ("title", "url", "author")
    readonly_fields = ("content_hash", "text", "raw_html", "created_at", "updated_at")
    prepopulated_fields = {"slug": ("title",)}
    inlines = [ClaimInline]
    # Reader site: the publisher and topics readers filter by (also on the review page).
    raw_id_fields = ("publisher",)
    filter_horizontal = ("topics",)


@admin.register(Claim)
class ClaimAdmin(AuditedEdits, admin.ModelAdmin):
    edit_action = "claims.claim.edited"
    list_display = ("__str__", "article", "status", "checkworthiness", "assignee", "updated_at")
    list_filter = ("status", "origin", "is_orphaned", "created_at")
    search_fields = ("text", "article__title")
    list_select_related = ("article", "assignee")
    raw_id_fields = ("article", "assignee")
    readonly_fields = (
        "start",
        "end",
        "text",
        "prefix",
        "suffix",
        "version",
        "origin",
        "anchor_match",
        "is_orphaned",
        # Workflow state: changed through the services only (each writes an audit event).
        "status",
        "rating",
        "dismissed_reason",
        "duplicate_of",
        # Changed since checked: set by ingestion, cleared by the editors' services.
        "changed_since_checked_at",
        "changed_from_text",
        # Who said it: changed on the claim page (claims.services.claimants, audited).
        "claimant",
    )


class CitedLinkInline(admin.TabularInline):
    model = CitedLink
    fields = ("anchor_text", "href", "link", "start", "end", "claim")
    readonly_fields = fields
    extra = 0
    can_delete = False


ArticleAdmin.inlines = [ClaimInline, CitedLinkInline]


@admin.register(ArticleSentence)
class ArticleSentenceAdmin(admin.ModelAdmin):
    list_display = ("__str__", "article", "score", "claim")
    list_select_related = ("article", "claim")
    raw_id_fields = ("article", "claim")
    readonly_fields = ("article", "start", "end", "text", "score")


@admin.register(IngestJob)
class IngestJobAdmin(admin.ModelAdmin):
    list_display = ("url", "state", "requested_by", "article", "created_at", "finished_at")
    list_filter = ("state", "created_at")
    search_fields = ("url", "title", "error")
    raw_id_fields = ("article", "requested_by")
    readonly_fields = ("started_at", "finished_at", "created_at", "updated_at")


# --------------------------------------------------------------------- review workbench


class RatingLevelFormSet(BaseInlineFormSet):
    """Levels deleted from a scale's page go through ``rating_level_delete``'s rules: a level
    that verdicts use is refused with the reason (deactivate it instead)."""

    def clean(self):
        # Before Django's own check (in super().clean()), whose message only lists the
        # protected rows.
        refusals = [
            refusal
            for form in self.forms
            if self.can_delete
            and self._should_delete_form(form)
            and form.instance.pk
            and (refusal := services.level_deletion_refusal(form.instance))
        ]
        if refusals:
            raise ValidationError(refusals)
        super().clean()


class RatingLevelInline(LocksVersions, admin.TabularInline):
    model = RatingLevel
    formset = RatingLevelFormSet
    fields = (
        "position",
        "label",
        "slug",
        "value",
        "is_best",
        "is_worst",
        "colour",
        "text_colour",
        "definition",
        "is_active",
    )
    # Deactivating a level is an audited action (the "Rating levels" list, or the desk's
    # scales page), so the checkbox is shown, not edited, here.
    readonly_fields = ("is_active",)
    extra = 0


def _refuse(modeladmin, request, exc: ValidationError) -> None:
    modeladmin.message_user(request, " ".join(exc.messages), messages.ERROR)


class _GuardedDelete:
    """Deletion through a service whose refusal (``refusal(obj)``) blocks the admin's delete
    page and the "delete selected" action with the reason, as protected objects do."""

    refusal = None
    delete_service = None
    delete_kwarg = ""

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        reasons = [reason for obj in objs if (reason := type(self).refusal(obj))]
        if reasons:
            # Refused anyway: show the reasons (Django's page shows missing permissions,
            # such as those of the read-only verdicts, instead of protected objects).
            return deleted, counts, set(), [*reasons, *protected]
        return deleted, counts, perms_needed, protected

    def delete_model(self, request, obj):
        # Django's delete confirmation page carries no version: it deletes what it shows.
        type(self).delete_service(
            actor=request.user, version=NO_VERSION_CHECK, **{self.delete_kwarg: obj}
        )

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(RatingScale)
class RatingScaleAdmin(RefreshesReaderPages, _GuardedDelete, AuditedEdits, admin.ModelAdmin):
    """Scales are data: admins edit them here. One is active (new verdicts are drafted on
    it): use the "Make active" action, which deactivates the other in one transaction."""

    list_display = ("name", "is_active", "level_count", "updated_at")
    readonly_fields = ("is_active",)
    inlines = [RatingLevelInline]
    actions = ["make_active"]
    refusal = staticmethod(services.scale_deletion_refusal)
    delete_service = staticmethod(services.rating_scale_delete)
    delete_kwarg = "scale"
    edit_action = "claims.scale.edited"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(levels_count=Count("levels"))

    @admin.display(description=gettext_lazy("levels"), ordering="levels_count")
    def level_count(self, scale):
        return scale.levels_count

    def save_formset(self, request, form, formset, change):
        """Levels removed on this page are deleted by ``rating_level_delete`` (audited;
        the formset's ``clean`` has already refused those in use and checked the versions of
        the rows changed or deleted, now locked); each edited level is audited."""
        instances = formset.save(commit=False)
        for level in formset.deleted_objects:
            services.rating_level_delete(actor=request.user, level=level, version=NO_VERSION_CHECK)
        for instance in instances:
            instance.save()
        formset.save_m2m()
        for level_form in formset.forms:
            changes = getattr(level_form, "version_changes", dict)()
            if changes and level_form.instance.pk and level_form not in formset.deleted_forms:
                audit_record(
                    actor=request.user,
                    action="claims.rating_level.edited",
                    target=level_form.instance,
                    changes=changes,
                    message="Edited in the Django admin.",
                )

    @admin.action(description=gettext_lazy("Make the selected scale the active one"))
    def make_active(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(
                request, _("Select exactly one scale to make active."), messages.ERROR
            )
            return
        try:
            # An action on the list: no page version to check (the service locks the rows).
            scale = services.rating_scale_activate(
                actor=request.user, scale=queryset.get(), version=NO_VERSION_CHECK
            )
        except ValidationError as exc:
            _refuse(self, request, exc)
        else:
            self.message_user(
                request, _("“%(name)s” is now the active scale.") % {"name": scale.name}
            )


LEVELS_DEACTIVATED = ngettext_lazy(
    "%(count)s level deactivated.", "%(count)s levels deactivated.", "count"
)
LEVELS_REACTIVATED = ngettext_lazy(
    "%(count)s level reactivated.", "%(count)s levels reactivated.", "count"
)


@admin.register(RatingLevel)
class RatingLevelAdmin(RefreshesReaderPages, _GuardedDelete, AuditedEdits, admin.ModelAdmin):
    list_display = ("label", "scale", "value", "position", "is_active", "published_uses")
    list_filter = ("scale", "is_active")
    list_select_related = ("scale",)
    readonly_fields = ("is_active",)
    actions = ["deactivate", "reactivate"]
    refusal = staticmethod(services.level_deletion_refusal)
    delete_service = staticmethod(services.rating_level_delete)
    delete_kwarg = "level"
    edit_action = "claims.rating_level.edited"

    def get_queryset(self, request):
        published = Q(verdicts__state__in=[Verdict.State.PUBLISHED, Verdict.State.SUPERSEDED])
        return (
            super()
            .get_queryset(request)
            .annotate(published_count=Count("verdicts", filter=published))
        )

    @admin.display(description=gettext_lazy("published verdicts"), ordering="published_count")
    def published_uses(self, level):
        return level.published_count

    def _each(self, request, queryset, service, done):
        """``done``: a lazy plural taking ``count`` (what the message says was done)."""
        changed = 0
        for level in queryset:
            try:
                service(actor=request.user, level=level, version=NO_VERSION_CHECK)
                changed += 1
            except ValidationError as exc:
                _refuse(self, request, exc)
        if changed:
            self.message_user(request, done % {"count": changed})

    @admin.action(description=gettext_lazy("Deactivate: no longer offered for new verdicts"))
    def deactivate(self, request, queryset):
        self._each(request, queryset, services.rating_level_deactivate, LEVELS_DEACTIVATED)

    @admin.action(description=gettext_lazy("Reactivate: offered for new verdicts again"))
    def reactivate(self, request, queryset):
        self._each(request, queryset, services.rating_level_reactivate, LEVELS_REACTIVATED)


class _ReadOnly(admin.ModelAdmin):
    """Written by the services only (published verdicts are never edited in place; the
    audit log is append-only): the admin shows them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class VerdictContributionInline(admin.TabularInline):
    """Who changed the version's content (``claims.services.contributors``): shown only."""

    model = VerdictContribution
    fields = ("user", "changed", "added_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Verdict)
class VerdictAdmin(_ReadOnly):
    list_display = ("claim", "number", "rating", "state", "author", "approver", "published_at")
    list_filter = ("state", "rating")
    list_select_related = ("claim", "rating", "author", "approver")
    raw_id_fields = ("claim",)
    inlines = [VerdictContributionInline]


@admin.register(Evidence)
class EvidenceAdmin(_ReadOnly):
    list_display = ("claim", "link", "source", "stance", "added_by", "created_at")
    list_filter = ("stance",)
    list_select_related = ("claim", "link", "source", "added_by")


@admin.register(Note)
class NoteAdmin(_ReadOnly):
    list_display = ("claim", "author", "format", "created_at")
    list_select_related = ("claim", "author")


@admin.register(Topic)
class TopicAdmin(RefreshesReaderPages, AuditedEdits, admin.ModelAdmin):
    edit_action = "claims.topic.edited"
    """Topics readers filter the latest fact-checks by (reviewers add them on the review
    article page too). A change refreshes the cached public pages at once."""

    list_display = ("name", "slug", "created_at")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Claimant)
class ClaimantAdmin(RefreshesReaderPages, AuditedEdits, admin.ModelAdmin):
    """Who made claims (people, organisations). Reviewers add them on the claim page; admins
    correct names, descriptions, aliases and links here (readers see them: a change refreshes
    the cached public pages). Editors merge duplicates (``claimant_merge``)."""

    edit_action = "claims.claimant.edited"
    list_display = ("name", "kind", "description", "wikidata_id", "updated_at")
    list_filter = ("kind",)
    search_fields = ("name", "description", "wikidata_id")
    readonly_fields = ("created_at", "updated_at")


# Imported fact-checks and their upload page (a module of their own).
from claims import admin_factchecks  # noqa: E402, F401
