"""The API's remaining resources (``api.resources``): claimants, a claim's appearances,
sources as admins write them, a link's check history. Input serializers only check the
shape of a request; the rules are the services'."""

from __future__ import annotations

from rest_framework import serializers

from api.serializers import LinkCheckSerializer, ModelSerializer
from api.write_serializers import version_field
from claims.models import Appearance, Claimant
from claims.services.claimants import ADDABLE
from sources.models import Reliability, SourceKind

CLAIMANT_CLAIMS_LIMIT = 100

# ------------------------------------------------------------------------------ claimants


class ClaimantSerializer(ModelSerializer):
    detail = serializers.HyperlinkedIdentityField(view_name="api:claimant-detail")

    class Meta:
        model = Claimant
        fields = ["id", "name", "kind", "description", "aliases", "url", "wikidata_id"]
        fields += ["version", "detail"]


class ClaimRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    detail = serializers.CharField(help_text="The claim's address in the API.")


class ClaimantDetailSerializer(ClaimantSerializer):
    claims = ClaimRefSerializer(
        many=True,
        source="claim_refs",
        help_text=f"The claims it said (newest first, at most {CLAIMANT_CLAIMS_LIMIT}).",
    )
    claims_truncated = serializers.BooleanField(
        help_text="Whether it said more claims than ``claims`` lists."
    )

    class Meta(ClaimantSerializer.Meta):
        fields = [*ClaimantSerializer.Meta.fields, "claims", "claims_truncated"]


class ClaimClaimantSetSerializer(serializers.Serializer):
    claimant = serializers.IntegerField(
        allow_null=True, help_text="A claimant's id, or null: not known."
    )
    version = version_field("The claim's version (or If-Match: the claim's ETag).")


class ClaimClaimantSerializer(serializers.Serializer):
    claim = serializers.IntegerField(source="pk")
    claimant = ClaimantSerializer(allow_null=True)
    version = serializers.IntegerField(help_text="The claim's version now.")


# ---------------------------------------------------------------------------- appearances


class AppearanceSerializer(ModelSerializer):
    claim = serializers.IntegerField(source="claim_id")
    article = serializers.IntegerField(source="article_id", allow_null=True)
    date = serializers.DateField(allow_null=True, help_text="When it was said.")
    remove = serializers.HyperlinkedIdentityField(view_name="api:appearance-remove")

    class Meta:
        model = Appearance
        fields = ["id", "claim", "kind", "is_primary", "article", "start", "end", "url"]
        fields += ["medium", "programme", "timestamp", "description", "said_on", "date"]
        fields += ["created_at", "remove"]


class AppearanceAddSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[str(kind) for kind in ADDABLE])
    url = serializers.CharField(
        max_length=2000, required=False, default="", allow_blank=True, help_text="kind web."
    )
    medium = serializers.ChoiceField(
        choices=Appearance.Medium.values,
        required=False,
        default="",
        allow_blank=True,
        help_text="kind spoken.",
    )
    programme = serializers.CharField(
        max_length=300, required=False, default="", allow_blank=True, help_text="kind spoken."
    )
    timestamp = serializers.CharField(
        max_length=8,
        required=False,
        default="",
        allow_blank=True,
        help_text="kind spoken: hh:mm:ss in the recording.",
    )
    description = serializers.CharField(required=False, default="", allow_blank=True)
    said_on = serializers.DateField(required=False, allow_null=True, default=None)
    version = version_field("The claim's version (or If-Match: the claim's ETag).")


class AppearanceRemoveSerializer(serializers.Serializer):
    version = version_field("The claim's version (or If-Match: the claim's ETag).")


# -------------------------------------------------------------------------------- sources


def _text(max_length: int | None = None, **kwargs) -> serializers.CharField:
    return serializers.CharField(
        max_length=max_length, required=False, allow_blank=True, trim_whitespace=False, **kwargs
    )


class SourceWriteSerializer(serializers.Serializer):
    """A source as admins write it (``sources.services.source_create``/``source_update``):
    the fields sent; on a change, those not sent stay as they are."""

    name = serializers.CharField(max_length=300, required=False)
    kind = serializers.ChoiceField(choices=SourceKind.values, required=False)
    home_url = _text(2000)
    domains = serializers.ListField(
        child=serializers.CharField(max_length=253),
        required=False,
        help_text="On a change: exactly the source's domains.",
    )
    country = _text(help_text="A code or name (ISO 3166).")
    language = _text(help_text="A code or name.")
    rating = serializers.ChoiceField(choices=Reliability.values, required=False)
    rating_rationale = _text()
    notes = _text()
    message = _text(help_text="Why (kept in the audit log).")
    version = version_field("The source's version (or If-Match: the source's ETag).")


# ---------------------------------------------------------------------------------- links


class LinkCheckHistorySerializer(LinkCheckSerializer):
    class Meta(LinkCheckSerializer.Meta):
        fields = ["id", *LinkCheckSerializer.Meta.fields, "redirects", "retry_after"]
