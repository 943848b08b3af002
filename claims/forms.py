"""Forms of the claims app: they parse input; the services decide."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from claims.extraction import ExtractionError, decode_text, format_for_filename
from claims.languages import language_choices, language_normalize
from claims.models import Article, Claim, Evidence, Note, RatingLevel, Topic
from claims.services import AUTO_FORMAT, human_size, max_ingest_bytes, reviewers
from claims.services.preview import FETCH as CARRIED_FETCH
from claims.services.preview import UPLOAD as CARRIED_UPLOAD
from claims.services.preview import CarriedBodyError, carried_load
from factcheck.lib.versions import version_field
from factcheck.lib.widgets import PythonSelect
from sources.fetching import InvalidURL, web_address
from sources.models import Source


class LanguageField(forms.ChoiceField):
    """A language tag, offered from CLDR's list; any tag ``language_normalize`` accepts is
    valid (an article's "es-ar" given through the API saves again), and the value comes out
    normalised ("pt-br")."""

    def valid_value(self, value) -> bool:
        try:
            language_normalize(str(value))
        except forms.ValidationError:
            return False
        return True

    def clean(self, value):
        value = super().clean(value)
        return language_normalize(value) if value else ""


class ArticleIngestForm(forms.Form):
    PASTE, UPLOAD, FETCH = "paste", "upload", "fetch"
    # Which field an ingest error from the service belongs to, per mode.
    ERROR_FIELD = {PASTE: "text", UPLOAD: "file", FETCH: "url"}

    mode = forms.ChoiceField(
        label=gettext_lazy("How the article comes in"),
        choices=[
            (PASTE, gettext_lazy("Paste the text (or HTML)")),
            (UPLOAD, gettext_lazy("Upload a file (.txt, .md, .html)")),
            (FETCH, gettext_lazy("Fetch it from its web address")),
        ],
        initial=PASTE,
        widget=forms.RadioSelect,
    )
    title = forms.CharField(
        label=gettext_lazy("Title"),
        max_length=500,
        required=False,
        help_text=gettext_lazy(
            "Leave empty to use the page's title or the first line of the text."
        ),
    )
    author = forms.CharField(label=gettext_lazy("Author"), max_length=300, required=False)
    language = LanguageField(
        label=gettext_lazy("Language"),
        choices=lambda: language_choices(blank_label=gettext_lazy("Detect automatically")),
        required=False,
        help_text=gettext_lazy(
            "Detected from the title and text unless you choose. Only English articles are "
            "scored for check-worthiness; in other languages every sentence is listed for you "
            "to choose the claims."
        ),
    )
    url = forms.CharField(
        label=gettext_lazy("Web address"),
        max_length=2000,
        required=False,
        help_text=gettext_lazy(
            "Required to fetch. When pasting or uploading, the article's original "
            "address: relative links are resolved against it and a changed text becomes a new "
            "revision of the same article."
        ),
        widget=forms.URLInput,
    )
    text = forms.CharField(
        label=gettext_lazy("Article text"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 14}),
    )
    text_format = forms.ChoiceField(
        label=gettext_lazy("The pasted text is"),
        choices=[(AUTO_FORMAT, gettext_lazy("Detect automatically")), *Article.Format.choices],
        initial=AUTO_FORMAT,
        required=False,
        help_text=gettext_lazy(
            "HTML, markdown or plain text, told from the content unless you choose."
        ),
    )
    file = forms.FileField(label=gettext_lazy("File"), required=False)
    # Set by the preview's "Ingest" button: a pasted text is stored only then (scripts and
    # tests send it to ingest at once).
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)
    # An uploaded file's bytes or a fetched page, signed by the preview (``carried_sign``):
    # "Ingest" stores exactly what was previewed, without the file or a second fetch.
    payload = forms.CharField(required=False, widget=forms.HiddenInput)

    @staticmethod
    def too_large_message(what: str, size: int) -> str:
        """The one message for input over ``FACTCHECK_INGEST_MAX_BYTES`` (the form's checks
        and a request Django refused to read, ``claims.middleware``): ``what`` is "file",
        "text" or "request" (each its own sentence, for the translators)."""
        sentences = {
            "file": _("The file is %(size)s; the limit is %(limit)s."),
            "text": _("The text is %(size)s; the limit is %(limit)s."),
            "request": _("What you sent is %(size)s; the limit is %(limit)s."),
        }
        return sentences[what] % {
            "size": human_size(size),
            "limit": human_size(max_ingest_bytes()),
        }

    def clean_url(self):
        url = (self.cleaned_data.get("url") or "").strip()
        if not url:
            return ""
        try:
            # The fetcher's own check: odd IP notations, userinfo, overlong addresses, and
            # (to fetch it) private or local networks are refused here, never by a 500.
            return web_address(url, fetch=self.cleaned_data.get("mode") == self.FETCH)
        except InvalidURL as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean(self):
        data = super().clean()
        data["text_format"] = data.get("text_format") or AUTO_FORMAT
        mode = data.get("mode")
        if mode == self.PASTE:
            self._clean_text(data.get("text") or "")
        elif mode == self.UPLOAD:
            upload = data.get("file")
            if upload is None and data.get("payload"):
                self._clean_carried_upload(data)
            elif upload is None:
                self.add_error("file", _("Choose a file to upload."))
            elif upload.size > max_ingest_bytes():
                self.add_error("file", self.too_large_message("file", upload.size))
            else:
                self._clean_upload(data, upload)
        elif mode == self.FETCH and not (data.get("url") or "").strip() and "url" in data:
            self.add_error("url", _("Give the article's web address to fetch it."))
        elif mode == self.FETCH and data.get("payload") and "url" in data:
            self._clean_carried_page(data)
        return data

    def _clean_carried_upload(self, data: dict) -> None:
        """A file carried from its preview: its bytes are checked again as an upload's."""
        try:
            carried = carried_load(data["payload"], kind=CARRIED_UPLOAD)
        except CarriedBodyError as exc:
            self.add_error("file", str(exc))
            return
        if len(carried.body) > max_ingest_bytes():
            self.add_error("file", self.too_large_message("file", len(carried.body)))
            return
        self._decode_upload(data, carried.body, carried.filename)

    def _clean_carried_page(self, data: dict) -> None:
        """A page fetched for its preview (``fetched``; its signed address is the one used)."""
        try:
            data["fetched"] = carried_load(data["payload"], kind=CARRIED_FETCH)
        except CarriedBodyError as exc:
            self.add_error("url", str(exc))

    def _clean_text(self, text: str) -> None:
        if not text.strip():
            self.add_error("text", _("The article is empty: paste some text."))
            return
        encoded = text.encode("utf-8", errors="surrogatepass")
        if len(encoded) > max_ingest_bytes():
            self.add_error("text", self.too_large_message("text", len(encoded)))
            return
        # Django decodes posted fields as UTF-8, each invalid sequence becoming U+FFFD: the
        # text before the first one arrived intact, so its length in bytes is the offset.
        bad = text.find("\ufffd")
        if bad >= 0:
            offset = len(text[:bad].encode("utf-8", errors="surrogatepass"))
            line = text.count("\n", 0, bad) + 1
            self.add_error(
                "text",
                _(
                    "The text is not valid UTF-8: the first invalid byte sequence is at byte "
                    "%(offset)s (line %(line)s; it arrived as the replacement character �). "
                    "Send the text as UTF-8, or upload it as a file."
                )
                % {"offset": offset, "line": line},
            )

    def _clean_upload(self, data: dict, upload) -> None:
        """The file's bytes and the encoding they are read in (``file_bytes``, ``decoded``):
        UTF-8, a BOM or a declared charset as is; UTF-8 broken here and there is refused
        with the offset; bytes with no UTF-8 in them are decoded by detection (the article
        page then says which encoding was used)."""
        try:
            file_bytes = upload.read(max_ingest_bytes() + 1)
        finally:
            upload.seek(0)
        if len(file_bytes) > max_ingest_bytes():
            self.add_error("file", self.too_large_message("file", upload.size))
            return
        self._decode_upload(data, file_bytes, upload.name)

    def _decode_upload(self, data: dict, file_bytes: bytes, filename: str) -> None:
        try:
            file_format = format_for_filename(filename)
            data["decoded"] = decode_text(
                file_bytes, html=file_format == Article.Format.HTML, strict_utf8=True
            )
        except ExtractionError as exc:
            self.add_error("file", str(exc))
            return
        data["file_bytes"], data["filename"], data["file_format"] = (
            file_bytes,
            filename,
            file_format,
        )


class ClaimSelectionForm(forms.Form):
    """A passage chosen by a reviewer: offsets from the page (script) or the quoted text."""

    text = forms.CharField(
        label=gettext_lazy("Passage"),
        strip=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "Select words in the article (they are copied here), or paste a passage "
            "that occurs exactly once in the text."
        ),
    )
    start = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    end = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)


# ------------------------------------------------------------------------- the queue


class QueueFilterForm(forms.Form):
    """The queue's filter form (django-filter builds its fields): ranges must be in order."""

    def clean(self):
        data = super().clean()
        low, high = data.get("score_min"), data.get("score_max")
        for name in ("score_min", "score_max"):
            value = data.get(name)
            if value is not None and not 0 <= value <= 1:
                self.add_error(name, _("Check-worthiness runs from 0 to 1."))
        if low is not None and high is not None and low > high:
            self.add_error("score_max", _("The upper bound is below the lower one."))
        for start, end in (("created_from", "created_to"), ("updated_from", "updated_to")):
            if data.get(start) and data.get(end) and data[start] > data[end]:
                self.add_error(end, _("This date is before the start date."))
        return data


class BulkAssignForm(forms.Form):
    claims = forms.ModelMultipleChoiceField(
        queryset=Claim.objects.none(),
        error_messages={
            "required": gettext_lazy("Select at least one claim."),
            "invalid_choice": gettext_lazy(
                "Some selected claims do not exist or you may not see them."
            ),
            "invalid_pk_value": gettext_lazy(
                "Some selected claims do not exist or you may not see them."
            ),
        },
    )
    assignee = forms.ModelChoiceField(
        label=gettext_lazy("Assign the selected claims to"),
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label=gettext_lazy("Nobody (unassign)"),
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["claims"].queryset = Claim.objects.visible_to(user)
        self.fields["assignee"].queryset = reviewers()


# ------------------------------------------------------------------------- claim page


class VersionForm(forms.Form):
    """A state change of a claim, made from a page built on ``version`` of it (required)."""

    # Each form of the claim page gets its own id prefix: ids stay unique on the page.
    id_prefix = "status"
    version = version_field()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class AssignForm(VersionForm):
    id_prefix = "assign"
    assignee = forms.ModelChoiceField(
        label=gettext_lazy("Assigned to"),
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label=gettext_lazy("Nobody"),
        widget=PythonSelect,
    )

    def __init__(self, *args, reviewer_list=None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_bound or reviewer_list is None:
            # What an answer is checked against (building it costs as much as a query's SQL:
            # a page that only shows the form offers the list it already has).
            self.fields["assignee"].queryset = reviewers()
        if reviewer_list is not None:
            # Rendering uses the list the page already loaded (no extra query).
            self.fields["assignee"].choices = [("", _("Nobody"))] + [
                (u.pk, u.get_username()) for u in reviewer_list
            ]


class EvidenceEditForm(forms.Form):
    version = version_field()  # the evidence's
    stance = forms.ChoiceField(
        label=gettext_lazy("Stance"),
        choices=Evidence.Stance.choices,
        error_messages={
            "required": gettext_lazy("Choose whether it supports, refutes or gives context.")
        },
    )
    quote = forms.CharField(label=gettext_lazy("Quote"), required=False, max_length=5000)
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=5000)


class EvidenceRemoveForm(forms.Form):
    version = version_field()  # the evidence's
    reason = forms.CharField(
        label=gettext_lazy("Why remove it?"),
        max_length=2000,
        error_messages={"required": gettext_lazy("Say why the evidence is removed.")},
    )


class DismissForm(VersionForm):
    id_prefix = "dismiss"
    reason = forms.CharField(
        label=gettext_lazy("Why dismiss it?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": gettext_lazy("Say why the claim is dismissed.")},
    )


class SubmitForm(VersionForm):
    """Submitting a verdict for approval; the reason is asked for only when a quoted
    passage of its evidence was not found on its page (``claims.quotes``)."""

    quote_reason = forms.CharField(
        label=gettext_lazy(
            "A quoted passage was not found on its page: why does the verdict stand?"
        ),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReturnForm(VersionForm):
    id_prefix = "return"
    reason = forms.CharField(
        label=gettext_lazy("What needs changing? (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class MergeForm(forms.Form):
    version = version_field()  # the duplicate's
    # The number of the claim to keep, typed ("123" or "#123"; the article page suggests
    # matches as you type); the view checks it is a claim of the same article.
    keep = forms.CharField(
        label=gettext_lazy("Keep claim number"),
        max_length=20,
        error_messages={"required": gettext_lazy("Give the number of the claim to keep.")},
    )
    reason = forms.CharField(
        label=gettext_lazy("Why are they duplicates?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": gettext_lazy("Say why these claims are duplicates.")},
    )

    def clean_keep(self) -> int:
        number = self.cleaned_data["keep"].strip().lstrip("#").strip()
        if not number.isdigit() or not 0 < int(number) < 2**63:
            raise forms.ValidationError(
                _("Give the number of the claim to keep, as shown in the list (e.g. 123).")
            )
        return int(number)


class EvidenceForm(forms.Form):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "evidence_%s")
        super().__init__(*args, **kwargs)

    url = forms.CharField(
        label=gettext_lazy("Web address"),
        max_length=2000,
        widget=forms.URLInput(attrs={"placeholder": "https://", "autocomplete": "off"}),
        error_messages={"required": gettext_lazy("Give the evidence's web address.")},
    )
    # No default: the reviewer says what the evidence does ("Choose…" is no stance).
    stance = forms.ChoiceField(
        label=gettext_lazy("Stance"),
        choices=[("", gettext_lazy("Choose…")), *Evidence.Stance.choices],
        widget=PythonSelect,
        error_messages={
            "required": gettext_lazy("Choose whether it supports, refutes or gives context.")
        },
    )
    quote = forms.CharField(
        label=gettext_lazy("Quoted passage"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("The words in the source that matter, copied exactly."),
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class NoteForm(forms.Form):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "note_%s")
        super().__init__(*args, **kwargs)

    body = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Mention a reviewer with @username."),
        error_messages={"required": gettext_lazy("The note is empty.")},
    )
    format = forms.ChoiceField(
        label=gettext_lazy("Format"),
        choices=Note.Format.choices,
        initial=Note.Format.PLAIN,
        widget=forms.RadioSelect,
    )


class VerdictForm(VersionForm):
    id_prefix = "verdict"
    # The open draft's version; 0 when the page had none (saving drafts a new version).
    version = version_field(min_value=0)
    rating = forms.ModelChoiceField(
        label=gettext_lazy("Rating"),
        queryset=RatingLevel.objects.none(),
        empty_label=gettext_lazy("Choose a rating"),
        widget=PythonSelect,
        error_messages={
            "required": gettext_lazy("Choose a rating."),
            "invalid_choice": gettext_lazy("This rating is not on the active rating scale."),
        },
    )
    summary = forms.CharField(
        label=gettext_lazy("Summary (one line)"),
        max_length=280,
        error_messages={"required": gettext_lazy("Write a one-line summary.")},
    )
    rationale = forms.CharField(
        label=gettext_lazy("Rationale"),
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": gettext_lazy("Explain the rating: the rationale is required.")},
    )
    correction_note = forms.CharField(
        label=gettext_lazy("Correction note (public)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy(
            "Required when a published verdict is corrected: what changed and why."
        ),
    )

    def __init__(self, *args, levels=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["rating"]
        # Deactivated levels are not offered (they still show on the verdicts using them); an
        # unbound form given the levels only shows them.
        if self.is_bound or levels is None:
            field.queryset = RatingLevel.objects.offered()
        if levels is not None:
            field.choices = [("", _("Choose a rating"))] + [(lv.pk, lv.label) for lv in levels]


class ArticleReaderDetailsForm(forms.Form):
    """Topics and publisher of an article (what readers filter the fact-checks by), and
    whether its full text may be shown on the reader site."""

    version = version_field()  # the article's

    topics = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Topics"),
        queryset=Topic.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    new_topic = forms.CharField(
        label=gettext_lazy("Add a topic"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("A new topic by name; it is created if it does not exist yet."),
    )
    publisher = forms.ModelChoiceField(
        label=gettext_lazy("Publisher"),
        queryset=Source.objects.order_by("name"),
        required=False,
        empty_label=gettext_lazy("Not known"),
        help_text=gettext_lazy(
            "The publisher or organisation the article comes from (from the sources registry)."
        ),
    )
    language = LanguageField(
        label=gettext_lazy("Language"),
        choices=language_choices,
        required=False,
        help_text=gettext_lazy(
            "The article's language. Changing it splits the text again and re-scores it while "
            "the article has no claims; once it has some, the sentences stay and only their "
            "scores follow (cleared for a language with no check-worthiness model)."
        ),
    )
    may_republish = forms.BooleanField(
        label=gettext_lazy("The publisher allows the full text on the reader site"),
        required=False,
        help_text=gettext_lazy(
            "Unticked, the article's public page quotes only the checked claims, each "
            "with a little of the text around it, and links to the original."
        ),
    )


class ChangeAcknowledgeForm(forms.Form):
    """An editor keeps a verdict whose claim's sentence changed since it was checked."""

    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    note = forms.CharField(
        label=gettext_lazy("Why the verdict stands (optional)"),
        max_length=2000,
        required=False,
    )
