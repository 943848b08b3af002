"""What the API's answers say. Models are read through the apps' selectors; these only
shape the rows into JSON (and check the input of the two POST endpoints)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models import IntegerField as ModelIntegerField
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from claims.languages import language_normalize
from claims.models import Article, Claim, Evidence, IngestJob, Verdict
from claims.services.languages import article_is_scored
from sources.models import Link, LinkCheck, Source

# ------------------------------------------------------------------------------ pieces


# DRF's ModelSerializer with integer bounds that do not depend on the database behind the
# app. A model integer field's bounds come from the connection: SQLite says 64-bit,
# PostgreSQL 32-bit for an ``IntegerField``. The API states (and checks) the portable range,
# so the schema is one document and 3,000,000,000 is a 400 in both modes, never a 500 in
# one. (A comment, not a docstring: the schema would take it as every subclass's text.)
class ModelSerializer(serializers.ModelSerializer):
    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if isinstance(model_field, ModelIntegerField):
            internal = model_field.get_internal_type()
            backend = connection.ops.integer_field_range(internal)
            portable = BaseDatabaseOperations.integer_field_ranges.get(internal)
            if portable:
                for key, was, now in zip(
                    ("min_value", "max_value"), backend, portable, strict=True
                ):
                    if key in kwargs and kwargs[key] == was:
                        kwargs[key] = now
        return field_class, kwargs


class FieldErrorSerializer(serializers.Serializer):
    pointer = serializers.CharField(help_text="JSON pointer into the request body: #/url.")
    field = serializers.CharField()
    detail = serializers.CharField()
    code = serializers.CharField(required=False)


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details (``application/problem+json``)."""

    type = serializers.CharField(help_text="about:blank: the status says what happened.")
    title = serializers.CharField(help_text="The HTTP status's phrase.")
    status = serializers.IntegerField()
    detail = serializers.CharField(help_text="What went wrong, in a sentence.")
    code = serializers.CharField(required=False, help_text="not_found, invalid, throttled...")
    errors = FieldErrorSerializer(many=True, required=False, help_text="Bad input, by field.")


class RatingSerializer(serializers.Serializer):
    label = serializers.CharField()
    slug = serializers.CharField()
    value = serializers.IntegerField()
    colour = serializers.CharField()


@extend_schema_field({"type": ["string", "null"]})
class UserNameField(serializers.Field):
    """A user as their username (``null`` for none)."""

    def to_representation(self, value):
        return value.get_username() if value is not None else None


# ----------------------------------------------------------- published fact-checks (public)


class PublicArticleSerializer(serializers.Serializer):
    title = serializers.CharField()
    url = serializers.CharField(allow_blank=True, help_text="The article's original address.")
    page = serializers.URLField(help_text="Its page on the reader site.")
    publisher = serializers.CharField(allow_null=True)
    published_at = serializers.DateTimeField(allow_null=True)


class FactCheckSummarySerializer(serializers.Serializer):
    """One published fact-check in a list (the reader site's card)."""

    id = serializers.IntegerField(help_text="The claim's number.")
    claim = serializers.CharField(help_text="The wording the published verdict checked.")
    rating = RatingSerializer()
    summary = serializers.CharField()
    published_at = serializers.DateTimeField()
    version = serializers.IntegerField(help_text="1, then 2, 3... after corrections.")
    page = serializers.URLField(help_text="The fact-check's page on the reader site.")
    detail = serializers.URLField(help_text="This fact-check in the API.")
    article_title = serializers.CharField(
        allow_null=True, help_text="null for a claim not found in an article (said elsewhere)."
    )


class PublicVersionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    rating = RatingSerializer()
    summary = serializers.CharField()
    published_at = serializers.DateTimeField()
    correction_note = serializers.CharField(allow_blank=True)


class PublicEvidenceSerializer(serializers.Serializer):
    stance = serializers.CharField()
    url = serializers.CharField()
    source = serializers.CharField(allow_null=True)
    quote = serializers.CharField(allow_blank=True)
    dead = serializers.BooleanField(help_text="The link was confirmed dead by our checker.")
    archived_copy = serializers.CharField(allow_blank=True)


class FactCheckSerializer(FactCheckSummarySerializer):
    """A published fact-check: what its page on the reader site shows."""

    rationale = serializers.CharField()
    first_published_at = serializers.DateTimeField()
    article = PublicArticleSerializer(
        allow_null=True, help_text="null for a claim not found in an article (said elsewhere)."
    )
    claimant = serializers.CharField(allow_null=True)
    topics = serializers.ListField(child=serializers.CharField())
    evidence = PublicEvidenceSerializer(many=True)
    versions = PublicVersionSerializer(many=True)
    claim_review = serializers.JSONField(
        help_text="schema.org ClaimReview, as in the page's JSON-LD."
    )


# ---------------------------------------------------------------------- the desk's claims


@extend_schema_field(RatingSerializer(allow_null=True))
class LevelField(serializers.Field):
    def to_representation(self, level):
        if level is None:
            return None
        return {
            "label": level.label,
            "slug": level.slug,
            "value": level.value,
            "colour": level.colour,
        }


class ClaimSerializer(ModelSerializer):
    article = serializers.IntegerField(
        source="article_id",
        allow_null=True,
        help_text="null for a claim entered without an article (with start and end).",
    )
    assignee = UserNameField(read_only=True)
    rating = LevelField(read_only=True)
    detail = serializers.HyperlinkedIdentityField(view_name="api:claim-detail")

    class Meta:
        model = Claim
        fields = [
            "id",
            "text",
            "status",
            "checkworthiness",
            "article",
            "start",
            "end",
            "assignee",
            "rating",
            "version",
            "created_at",
            "updated_at",
            "detail",
        ]


class EvidenceSerializer(ModelSerializer):
    url = serializers.CharField(source="link.url")
    link = serializers.IntegerField(source="link_id")
    link_state = serializers.CharField(source="link.effective_state")
    source = serializers.CharField(source="source.name", allow_null=True, default=None)
    added_by = UserNameField(read_only=True)

    class Meta:
        model = Evidence
        fields = ["id", "stance", "url", "link", "link_state", "source", "quote", "note"]
        fields += ["added_by", "created_at", "version"]


class VerdictSerializer(ModelSerializer):
    rating = LevelField(read_only=True)
    author = UserNameField(read_only=True)
    approver = UserNameField(read_only=True)

    class Meta:
        model = Verdict
        fields = ["number", "state", "rating", "summary", "rationale", "author", "approver"]
        fields += ["submitted_at", "published_at", "correction_note", "checked_text", "version"]


class ClaimDetailSerializer(ClaimSerializer):
    evidence = EvidenceSerializer(many=True, source="evidence_list")
    verdicts = VerdictSerializer(many=True, source="verdict_list")
    public_page = serializers.CharField(allow_null=True, source="public_page_url")

    class Meta(ClaimSerializer.Meta):
        fields = [*ClaimSerializer.Meta.fields, "dismissed_reason", "duplicate_of"]
        fields += ["evidence", "verdicts", "public_page"]


# ---------------------------------------------------------------------------- articles


class ArticleSerializer(ModelSerializer):
    language = serializers.CharField(
        read_only=True,
        help_text="BCP-47 tag in lower case (en, es, pt-br); empty when unknown. Detected at "
        "ingestion unless given; English, Spanish and Arabic articles are scored for "
        "check-worthiness (see `scored`).",
    )
    scored = serializers.SerializerMethodField(
        help_text="Whether a check-worthiness model covers the language: false means no "
        "sentence was scored and no claim was made automatically."
    )
    claim_count = serializers.IntegerField(read_only=True)
    published_count = serializers.IntegerField(read_only=True)
    publisher = serializers.CharField(source="publisher.name", allow_null=True, default=None)
    detail = serializers.HyperlinkedIdentityField(view_name="api:article-detail")

    class Meta:
        model = Article
        fields = ["id", "title", "slug", "url", "author", "published_at", "publisher"]
        fields += ["language", "scored"]
        fields += ["content_hash", "claim_count", "published_count", "created_at", "detail"]

    def get_scored(self, article) -> bool:
        return article_is_scored(article)


class ArticleDetailSerializer(ArticleSerializer):
    """An article with its text; its claims are the claims list filtered by article."""

    claims = serializers.URLField(source="claims_url", help_text="Its claims (a claims list).")
    public_page = serializers.URLField(
        source="public_page_url", allow_null=True, help_text="Its reader page, once public."
    )

    version = serializers.IntegerField(
        read_only=True, help_text="What a change names (PATCH ``version``, or If-Match)."
    )

    class Meta(ArticleSerializer.Meta):
        fields = [*ArticleSerializer.Meta.fields, "text", "claims", "public_page", "version"]


# ---------------------------------------------------------------------- links, sources


class LinkSerializer(ModelSerializer):
    state = serializers.CharField(source="effective_state", help_text="As shown (overrides).")
    checked_state = serializers.CharField(source="state", help_text="What the checker found.")
    source = serializers.IntegerField(source="source_id", allow_null=True)
    detail = serializers.HyperlinkedIdentityField(view_name="api:link-detail")

    class Meta:
        model = Link
        fields = ["id", "url", "host", "source", "state", "checked_state", "override_reason"]
        fields += ["last_checked_at", "last_status", "last_outcome", "final_url"]
        fields += ["consecutive_failures", "next_check_at", "archive_url", "detail"]


class LinkCheckSerializer(ModelSerializer):
    class Meta:
        model = LinkCheck
        fields = ["checked_at", "outcome", "status", "final_url", "elapsed_ms", "error"]
        fields += ["state_before", "state_after", "counted", "checker_outage"]


class LinkDetailSerializer(LinkSerializer):
    last_check = LinkCheckSerializer(allow_null=True, help_text="The latest check, if any.")

    class Meta(LinkSerializer.Meta):
        fields = [*LinkSerializer.Meta.fields, "last_check"]


class SourceSerializer(ModelSerializer):
    domains = serializers.SerializerMethodField()
    detail = serializers.HyperlinkedIdentityField(view_name="api:source-detail")

    class Meta:
        model = Source
        fields = ["id", "name", "kind", "home_url", "country", "language", "rating"]
        fields += ["rating_rationale", "domains", "version", "detail"]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_domains(self, source) -> list[str]:
        return sorted(d.domain for d in source.domains.all())


# -------------------------------------------------------------------------- checked before


class MatchRequestSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=5000, help_text="A claim's wording.")
    limit = serializers.IntegerField(min_value=1, max_value=20, default=5)
    kinds = serializers.MultipleChoiceField(
        choices=["own", "external"],
        required=False,
        help_text="Our own claims, other organisations' fact-checks, or both (the default).",
    )


class CandidateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["own", "external"])
    id = serializers.IntegerField(source="pk")
    url = serializers.CharField()
    score = serializers.FloatField()
    similarity = serializers.IntegerField(help_text="0..100: how close the wording is.")
    text = serializers.CharField()
    headline = serializers.CharField(allow_blank=True)
    rating = serializers.CharField(allow_blank=True)
    publisher = serializers.CharField(allow_blank=True)
    date = serializers.DateField(allow_null=True)
    status = serializers.CharField(allow_blank=True)


class MatchResultSerializer(serializers.Serializer):
    candidates = CandidateSerializer(many=True)


# -------------------------------------------------------------------------------- ingest


class IngestRequestSerializer(serializers.Serializer):
    """An article by its text, a file (multipart/form-data: .txt, .md, .html, .htm), or by its
    web address (fetched by a background job)."""

    text = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        help_text="The article's text (or HTML, with text_format html). Without it, url is "
        "fetched.",
    )
    text_format = serializers.ChoiceField(
        choices=Article.Format.choices, default=Article.Format.TEXT
    )
    url = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text="The article's web address: fetched when no text is given, else its "
        "original address.",
    )
    file = serializers.FileField(
        required=False,
        allow_empty_file=False,
        use_url=False,
        help_text="The article as a file (.txt, .md, .html, .htm; multipart/form-data), read "
        "as the ingest page reads an upload.",
    )
    title = serializers.CharField(required=False, allow_blank=True, max_length=500)
    author = serializers.CharField(required=False, allow_blank=True, max_length=300)
    language = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=16,
        help_text="The article's language, a BCP-47 tag (es, pt-br); detected from the title "
        "and text when omitted.",
    )

    def validate_language(self, value: str) -> str:
        try:
            return language_normalize(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None

    def validate(self, attrs):
        given = [bool(attrs.get("text")), attrs.get("file") is not None]
        if sum(given) > 1:
            raise serializers.ValidationError(
                {"file": "Send the article's text or a file, not both."}
            )
        if not any(given) and not (attrs.get("url") or "").strip():
            raise serializers.ValidationError(
                {"text": "Give the article's text, a file, or its web address (url) to fetch it."}
            )
        return attrs


class IngestJobSerializer(ModelSerializer):
    article = serializers.IntegerField(source="article_id", allow_null=True)
    status_url = serializers.HyperlinkedIdentityField(view_name="api:ingest-job-detail")
    article_url = serializers.SerializerMethodField()

    class Meta:
        model = IngestJob
        fields = ["id", "state", "stage", "progress_done", "progress_total", "url", "error"]
        fields += ["article", "article_url", "created_at", "finished_at", "status_url"]

    def get_article_url(self, job) -> str | None:
        if not job.article_id:
            return None
        from django.urls import reverse

        return self.context["request"].build_absolute_uri(
            reverse("api:article-detail", kwargs={"pk": job.article_id})
        )


def max_request_bytes() -> int:
    return int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
