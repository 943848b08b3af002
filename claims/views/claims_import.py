"""Claims from a spreadsheet (``claims.services.claims_import``): upload a CSV file and see
what each row would do (a dry run: nothing saved), then import it, all or nothing. The
previewed file travels to the confirmation signed and compressed; a stale or altered one
is refused."""

from __future__ import annotations

import base64

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from claims.services import REVIEW_PERMISSION
from claims.services.claims_import import CLAIMS_CSV_COLUMNS, claims_import
from factcheck.lib.auth import permission_required

SALT = "claims-import-preview"  # signing salt (not an audit action)
PREVIEW_MAX_AGE = 3600  # seconds between a preview and its confirmation


class ClaimsImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV file"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Set here: the sentence is translated in the language of the request.
        self.fields["file"].help_text = _(
            "UTF-8, a header row first, one row per appearance. Columns: %(columns)s "
            "(claim and where required)."
        ) % {"columns": ", ".join(CLAIMS_CSV_COLUMNS)}


def _page(request, *, form=None, report=None, payload: str = "", status: int = 200):
    return render(
        request,
        "claims/claims_import.html",
        {
            "form": form or ClaimsImportForm(),
            "report": report,
            "payload": payload,
            "columns": CLAIMS_CSV_COLUMNS,
            "max_size": filesizeformat(settings.FACTCHECK_CLAIMS_IMPORT_MAX_BYTES),
            "max_rows": settings.FACTCHECK_CLAIMS_IMPORT_MAX_ROWS,
        },
        status=status,
    )


@permission_required(REVIEW_PERMISSION)
def claims_import_preview(request):
    """GET: the upload form. POST: the dry run of the uploaded file, with "Import" when
    every row can be imported."""
    if request.method != "POST":
        return _page(request)
    form = ClaimsImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, form=form, status=400)
    upload = form.cleaned_data["file"]
    # Never read more than the limit (and one byte to tell that it is over).
    data = upload.read(settings.FACTCHECK_CLAIMS_IMPORT_MAX_BYTES + 1)
    report = claims_import(user=request.user, data=data, filename=upload.name, dry_run=True)
    payload = ""
    if report.ok:
        payload = signing.dumps(
            {"data": base64.b64encode(data).decode("ascii"), "filename": upload.name},
            salt=SALT,
            compress=True,
        )
    return _page(request, report=report, payload=payload, status=200 if report.ok else 400)


@permission_required(REVIEW_PERMISSION)
@require_POST
def claims_import_confirm(request):
    try:
        signed = signing.loads(request.POST.get("payload", ""), salt=SALT, max_age=PREVIEW_MAX_AGE)
        data, filename = base64.b64decode(signed["data"]), str(signed["filename"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        messages.error(request, _("The preview has expired or was altered: upload the file again."))
        return redirect("claims:claims_import")
    report = claims_import(user=request.user, data=data, filename=filename, dry_run=False)
    if not report.applied:
        # The desk changed since the preview (a claim entered meanwhile): shown again.
        return _page(request, report=report, status=409)
    messages.success(
        request,
        _(
            "Imported %(claims)s new claim(s) and %(appearances)s appearance(s) from "
            "%(filename)s. New claims are in the queue as new."
        )
        % {
            "claims": report.claims_created,
            "appearances": report.appearances_created,
            "filename": filename,
        },
    )
    return redirect("claims:claim_queue")
