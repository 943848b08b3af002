"""The sources registry pages, mounted at /review/sources/ (namespace ``sources``).

Reviewers and editors see the registry (``sources.view_source``); admins add and change
sources (``sources.add_source``, ``sources.change_source``), register unknown domains and
import CSV files. Django admin (/admin/) offers the same, with bulk actions.
"""

from __future__ import annotations

import base64
import io

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from factcheck.lib.auth import permission_required
from factcheck.lib.versions import ConflictError, version_required
from factcheck.lib.views import add_service_errors
from sources import csv_format, locales, selectors, services
from sources.filters import SourceFilter
from sources.forms import (
    RegisterDomainForm,
    SourceEditForm,
    SourceForm,
    SourceImportConfirmForm,
    SourceImportForm,
)
from sources.models import Source, SourceImportJob
from sources.services.importing import CREATE, REFUSE, UPDATE
from sources.usage import usage

VIEW_PERMISSION = "sources.view_source"
ADD_PERMISSION = services.registry.ADD_PERMISSION
CHANGE_PERMISSION = services.registry.CHANGE_PERMISSION
PER_PAGE = 50
IMPORT_SALT = "sources.import.preview"
IMPORT_PREVIEW_MAX_AGE = 3600  # seconds between a preview and its confirmation


def _get_source(request, pk: int) -> Source:
    try:
        return selectors.source_get(user=request.user, pk=pk)
    except Source.DoesNotExist:
        raise Http404("No such source.") from None


@permission_required(VIEW_PERMISSION)
def source_list(request):
    source_filter = SourceFilter(
        request.GET or None, queryset=selectors.source_list(user=request.user)
    )
    page = Paginator(source_filter.qs.prefetch_related("domains"), PER_PAGE).get_page(
        request.GET.get("page")
    )
    sources = list(page.object_list)
    stats = selectors.source_stats(user=request.user, source_ids=[s.pk for s in sources])
    context = {
        "filter": source_filter,
        "page": page,
        "rows": [(source, stats[source.pk]) for source in sources],
        "can_add": request.user.has_perm(ADD_PERMISSION),
        "can_import": request.user.has_perms([ADD_PERMISSION, CHANGE_PERMISSION]),
    }
    return render(request, "sources/source_list.html", context)


@permission_required(VIEW_PERMISSION)
def source_detail(request, pk: int):
    source = _get_source(request, pk)
    context = {
        "source": source,
        "stats": selectors.source_stats(user=request.user, source_ids=[source.pk])[source.pk],
        "ratings": list(selectors.source_ratings(source=source)),
        # The latest evidence from it: the app above sources says (``sources.usage``).
        "evidence_panel": usage().source_panel(request=request, source=source),
        "history": selectors.source_history(user=request.user, source=source),
        "can_change": request.user.has_perm(CHANGE_PERMISSION),
        "country_name": locales.country_name(source.country),
        "language_name": locales.language_name(source.language),
    }
    return render(request, "sources/source_detail.html", context)


def _save(request, form: SourceForm, source: Source | None):
    data = form.cleaned_data
    fields = {
        "name": data["name"],
        "kind": data["kind"],
        "home_url": data["home_url"],
        "domains": data["domains"],
        "country": data["country"],
        "language": data["language"],
        "rating": data["rating"],
        "rating_rationale": data["rating_rationale"],
        "notes": data["notes"],
    }
    if source is None:
        return services.source_create(user=request.user, **fields)
    return services.source_update(
        source=source, user=request.user, version=data["version"], **fields
    )


def _form_page(request, source: Source | None):
    form_class = SourceForm if source is None else SourceEditForm
    conflict = None
    if request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            try:
                saved = _save(request, form, source)
            except ConflictError as exc:
                # The user's input stays in the form, on the source's current version:
                # saving again (after comparing) replaces the saved values knowingly.
                conflict = exc
                values = request.POST.copy()
                values["version"] = str(exc.current.version)
                form = form_class(values)
                form.is_valid()
                source = exc.current
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                done = (
                    _("Source %(name)s added.") if source is None else _("Source %(name)s saved.")
                )
                messages.success(request, done % {"name": saved.name})
                return redirect("sources:detail", pk=saved.pk)
        status = 409 if conflict else 400
    else:
        form = form_class(initial=SourceForm.initial_for(source) if source else None)
        status = 200
    context = {"form": form, "source": source, "conflict": conflict}
    return render(request, "sources/source_form.html", context, status=status)


@permission_required(ADD_PERMISSION)
def source_create(request):
    return _form_page(request, None)


@permission_required(CHANGE_PERMISSION)
@version_required
def source_edit(request, pk: int):
    return _form_page(request, _get_source(request, pk))


@permission_required(VIEW_PERMISSION)
def unregistered_domains(request, *, form: RegisterDomainForm | None = None, status: int = 200):
    search = request.GET.get("q", "")
    items = selectors.unregistered_domains(user=request.user, search=search)
    page = Paginator(items, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "search": search,
        "can_add": request.user.has_perm(ADD_PERMISSION),
        "kinds": Source.Kind.choices,
        "failed": form,
    }
    return render(request, "sources/unregistered_domains.html", context, status=status)


@permission_required(ADD_PERMISSION)
@require_POST
def register_domain(request):
    form = RegisterDomainForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            source = services.source_register_domain(
                user=request.user, domain=data["domain"], name=data["name"], kind=data["kind"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                format_html(
                    _(
                        'Source <a href="{url}">{name}</a> registered for {domain}: its links '
                        "and evidence are attached to it. Rate it from its page."
                    ),
                    url=reverse("sources:detail", kwargs={"pk": source.pk}),
                    name=source.name,
                    domain=data["domain"],
                ),
            )
            return redirect("sources:unregistered")
    request.method = "GET"  # show the list again, with the row's errors
    return unregistered_domains(request, form=form, status=400)


# ----------------------------------------------------------------------- CSV


@permission_required(VIEW_PERMISSION)
def source_export(request):
    """The sources matching the list's filters, as CSV (UTF-8 with a byte-order mark, which
    spreadsheets need to read it as UTF-8)."""
    source_filter = SourceFilter(
        request.GET or None, queryset=selectors.source_list(user=request.user)
    )
    stream = io.StringIO()
    csv_format.write(
        (
            csv_format.source_row(source)
            for source in selectors.sources_for_export(queryset=source_filter.qs)
        ),
        stream,
        bom=True,
    )
    response = HttpResponse(stream.getvalue(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="sources-{stamp}.csv"'
    return response


# How many rows of each kind the preview lists (refused ones first, then those that would
# change); the rest, and every unchanged row, are only counted. A 20,000-row file made a
# 6 MB page before.
PREVIEW_ROWS = 200


def _preview_rows(report) -> tuple[list, int]:
    """The rows the preview lists, and how many it leaves out."""
    if report is None:
        return [], 0
    refused = [row for row in report.rows if row.action == REFUSE][:PREVIEW_ROWS]
    changing = [row for row in report.rows if row.action in (CREATE, UPDATE)][:PREVIEW_ROWS]
    shown = refused + changing
    return shown, len(report.rows) - len(shown)


def _import_page(request, *, form=None, report=None, payload: str = "", status: int = 200):
    shown, hidden = _preview_rows(report)
    context = {
        "form": form or SourceImportForm(),
        "report": report,
        "preview_rows": shown,
        "preview_hidden": hidden,
        "confirm_form": SourceImportConfirmForm(initial={"payload": payload}) if payload else None,
        "max_size": filesizeformat(settings.FACTCHECK_SOURCES_IMPORT_MAX_BYTES),
        "columns": csv_format.COLUMNS,
    }
    return render(request, "sources/source_import.html", context, status=status)


def _sign(data: bytes, filename: str) -> str:
    return signing.dumps(
        {"data": base64.b64encode(data).decode("ascii"), "filename": filename},
        salt=IMPORT_SALT,
        compress=True,
    )


@permission_required(ADD_PERMISSION, CHANGE_PERMISSION)
def source_import(request):
    """Upload a CSV file: the answer is a dry run (what each row would do, or why it is
    refused) with a button to import it."""
    if request.method != "POST":
        return _import_page(request)
    form = SourceImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _import_page(request, form=form, status=400)
    upload = form.cleaned_data["file"]
    limit = settings.FACTCHECK_SOURCES_IMPORT_MAX_BYTES
    # Never read more than the limit (and one byte to tell that it is over).
    data = upload.read(limit + 1)
    report = services.sources_import(
        user=request.user, data=data, filename=upload.name, dry_run=True
    )
    payload = _sign(data, upload.name) if report.ok else ""
    return _import_page(
        request, form=SourceImportForm(), report=report, payload=payload, status=200
    )


@permission_required(ADD_PERMISSION, CHANGE_PERMISSION)
@require_POST
def source_import_confirm(request):
    form = SourceImportConfirmForm(request.POST)
    try:
        if not form.is_valid():
            raise signing.BadSignature("no payload")
        signed = signing.loads(
            form.cleaned_data["payload"], salt=IMPORT_SALT, max_age=IMPORT_PREVIEW_MAX_AGE
        )
        data, filename = base64.b64decode(signed["data"]), str(signed["filename"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        messages.error(request, _("The preview has expired or was altered: upload the file again."))
        return redirect("sources:import")
    # A background job plans the file again and applies it in short batches: a large file
    # never holds the database while the page waits.
    job = services.source_import_job_start(user=request.user, data=data, filename=filename)
    return redirect("sources:import_job", pk=job.pk)


@permission_required(ADD_PERMISSION, CHANGE_PERMISSION)
def source_import_job(request, pk: int):
    """A confirmed import's progress and outcome (the page refreshes itself while it runs)."""
    try:
        job = selectors.source_import_job_get(user=request.user, pk=pk)
    except SourceImportJob.DoesNotExist:
        raise Http404("No such import.") from None
    return render(request, "sources/sourceimportjob_detail.html", {"job": job})
