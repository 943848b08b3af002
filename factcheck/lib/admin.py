"""Admin helpers every app may use."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext

from factcheck.lib.published import site_changed
from factcheck.lib.versions import MISSING_MESSAGE, version_field


class RefreshesReaderPages:
    """Mix into a ``ModelAdmin`` whose objects appear on published pages (rating levels,
    publishers, topics, articles, user names): an edit there refreshes every cached public
    page once it commits."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        site_changed(sender=type(obj))

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        site_changed(sender=type(obj))

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        site_changed(sender=queryset.model)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        site_changed(sender=type(form.instance))


# ------------------------------------------------------------------------ versions


def _plain(value):
    """A JSON-friendly, readable form of a form value for the audit log."""
    if isinstance(value, models.Model):
        shown = getattr(value, "audit_value", None)
        return shown if shown is not None else str(value)
    if isinstance(value, models.QuerySet | list | tuple | set):
        return sorted(str(_plain(item)) for item in value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


class VersionedAdminForm(forms.ModelForm):
    """Mixed into an admin change form (and inline forms) of a model with ``version``: the
    form carries the version it was built from (hidden); ``clean`` locks the row
    (``select_for_update``, held until the admin's transaction commits) and refuses a stale
    version with a form error listing the saved values next to the user's; saving bumps
    the version. New rows start at their default version."""

    version = version_field(min_value=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.initial["version"] = self.instance.version
        else:
            self.fields["version"].required = False
        self.locked_version = None
        self._before: dict = {}

    def _edited(self) -> list[str]:
        return [name for name in self.changed_data if name != "version"]

    def clean(self):
        data = super().clean()
        pk = self.instance.pk
        if pk is None:
            data["version"] = self.instance.version  # a new row starts at its default
            return data
        if self.prefix and "-" in self.prefix and not self._edited():
            return data  # an inline row left as it was: it is not saved
        model = type(self.instance)
        current = model._default_manager.select_for_update().filter(pk=pk).first()
        if current is None:
            raise ValidationError(
                gettext("This %(thing)s was deleted meanwhile.")
                % {"thing": model._meta.verbose_name}
            )
        given = data.get("version")
        if given is None:
            raise ValidationError(MISSING_MESSAGE, code="version_missing")
        self._before = {name: _plain(_value(current, name)) for name in self.fields}
        if given != current.version:
            differences = [
                gettext("%(field)s: saved now “%(saved)s”, yours “%(yours)s”")
                % {
                    "field": self.fields[name].label or name,
                    "saved": _shown(self._before.get(name)),
                    "yours": _shown(_plain(data.get(name))),
                }
                for name in self.fields
                if name != "version"
                and name in data
                and _plain(data.get(name)) != self._before.get(name)
            ]
            # Saving the kept input again replaces the saved values knowingly.
            self.data = self.data.copy()
            self.data[self.add_prefix("version")] = str(current.version)
            message = gettext(
                "Someone changed this %(thing)s after you opened it (you edited version "
                "%(yours)s, it is now version %(current)s), so nothing was saved. Your input is "
                "kept below; compare it with the saved values, then save again to replace them."
            ) % {"thing": model._meta.verbose_name, "yours": given, "current": current.version}
            if differences:
                message += " " + gettext("Differences: %(differences)s.") % {
                    "differences": "; ".join(differences)
                }
            raise ValidationError(message, code="version_conflict")
        self.locked_version = current.version
        return data

    def version_changes(self) -> dict:
        """``{field: [before, after]}`` of this save, with the version, for the audit log."""
        if self.locked_version is None:
            return {}
        changes = {
            name: [self._before.get(name), _plain(self.cleaned_data.get(name))]
            for name in self._edited()
        }
        changes["version"] = [self.locked_version, self.locked_version + 1]
        return changes

    def save(self, commit=True):
        if self.locked_version is not None:
            self.instance.version = self.locked_version + 1
        return super().save(commit)


def _value(obj, name: str):
    value = getattr(obj, name, None)
    if hasattr(value, "all") and callable(value.all):  # a many-to-many manager
        return list(value.all())
    return value


def _shown(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def _with_version_field(fieldsets):
    names = {
        name
        for _, options in fieldsets
        for item in options.get("fields", ())
        for name in (item if isinstance(item, list | tuple) else [item])
    }
    if "version" in names or not fieldsets:
        return fieldsets
    *first, (title, options) = fieldsets
    return [*first, (title, {**options, "fields": [*options.get("fields", ()), "version"]})]


class LocksVersions:
    """Mix into a ``ModelAdmin`` or an inline of a model with ``version``: its forms carry
    the version (hidden), a stale one is a form error (no silent overwrite), and a save
    bumps it. ``edit_recorded(request, obj, changes)`` is called after each change of an
    existing row (the app writes its audit event there)."""

    def get_readonly_fields(self, request, obj=None):
        return [name for name in super().get_readonly_fields(request, obj) if name != "version"]

    def get_fieldsets(self, request, obj=None):
        return _with_version_field(super().get_fieldsets(request, obj))

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (VersionedAdminForm, form), {})

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = type(formset.form.__name__, (VersionedAdminForm, formset.form), {})
        return formset

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        changes = form.version_changes() if change else {}
        if changes:
            self.edit_recorded(request, obj, changes)

    def edit_recorded(self, request, obj, changes: dict) -> None:
        """Write the audit event of an admin edit (each app's admin says how)."""
