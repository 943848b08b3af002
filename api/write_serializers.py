"""The input of the API's writes (``api.writes``): claims' workflow steps, evidence and
verdicts. They only check the shape of the request; the rules are the services'."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from api.serializers import EvidenceSerializer, VerdictSerializer
from claims.languages import language_normalize
from claims.models import Evidence, RatingLevel
from claims.services import reviewers

VERSION_HELP = (
    "The version of the object the change was made from (its detail read's ``version``). "
    "Or send ``If-Match`` with the ETag of that read instead."
)


def version_field(help_text: str = VERSION_HELP) -> serializers.IntegerField:
    # Optional here: a write naming neither this nor If-Match is answered 428.
    return serializers.IntegerField(min_value=0, required=False, help_text=help_text)


class ClaimActionSerializer(serializers.Serializer):
    """A step of a claim's workflow, or its assignment."""

    ACTIONS = ("start_review", "return_to_review", "dismiss", "assign")

    action = serializers.ChoiceField(
        choices=ACTIONS,
        help_text="start_review (new -> in review), return_to_review (the verdict awaiting "
        "approval goes back to draft), dismiss (needs reason), assign (needs assignee).",
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text="Why: required to dismiss, optional to return to review.",
    )
    assignee = serializers.SlugRelatedField(
        slug_field="username",
        queryset=get_user_model().objects.none(),
        required=False,
        allow_null=True,
        help_text="assign: a reviewer's username, or null to unassign.",
    )
    version = version_field("The claim's version (or If-Match: the claim's ETag).")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = reviewers()

    def validate(self, attrs):
        if attrs["action"] == "assign" and "assignee" not in attrs:
            raise serializers.ValidationError(
                {"assignee": "Name the reviewer to assign (null to unassign)."}
            )
        if attrs["action"] == "dismiss" and not (attrs.get("reason") or "").strip():
            raise serializers.ValidationError({"reason": "Say why the claim is dismissed."})
        return attrs


class ClaimVersionSerializer(serializers.Serializer):
    """Submitting or publishing a claim's verdict: the claim's version."""

    version = version_field("The claim's version (or If-Match: the claim's ETag).")


class VerdictSubmitSerializer(ClaimVersionSerializer):
    """Submitting a draft: the claim's version, and why it may go to approval when a piece
    of evidence's quoted passage is not on its page (refused with code ``quote_not_found``
    otherwise)."""

    quote_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=2000,
        help_text="Why the verdict stands although a quoted passage was not found on its "
        "page (recorded with the submission).",
    )


class EvidenceAddSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=2000, help_text="The evidence's web address.")
    stance = serializers.ChoiceField(
        choices=Evidence.Stance.choices, help_text="Required: no default is assumed."
    )
    quote = serializers.CharField(required=False, allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class EvidenceEditSerializer(serializers.Serializer):
    """A correction of evidence: the fields sent replace the stored ones (its link stays:
    remove it and add the right one instead)."""

    stance = serializers.ChoiceField(choices=Evidence.Stance.choices, required=False)
    quote = serializers.CharField(required=False, allow_blank=True)
    note = serializers.CharField(required=False, allow_blank=True)
    version = version_field("The evidence's version (or If-Match: the evidence's ETag).")


class ArticleEditSerializer(serializers.Serializer):
    """A correction of an article's language (what it is split and scored by)."""

    language = serializers.CharField(
        max_length=35,
        allow_blank=True,
        help_text="BCP-47 tag (es, pt-BR, ar); blank for unknown. With no claim on the "
        "article yet its text is split and scored again in that language; with claims, "
        "only the scores follow (none where the language has no model).",
    )
    version = version_field("The article's version (or If-Match: the article's ETag).")

    def validate_language(self, value: str) -> str:
        try:
            return language_normalize(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None


class EvidenceRemoveSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text="Why the evidence is removed.")
    version = version_field("The evidence's version (or If-Match: the evidence's ETag).")


class EvidenceDetailSerializer(EvidenceSerializer):
    claim = serializers.IntegerField(source="claim_id")

    class Meta(EvidenceSerializer.Meta):
        fields = [*EvidenceSerializer.Meta.fields, "claim"]


class VerdictSaveSerializer(serializers.Serializer):
    """The claim's open draft, drafted (``version`` 0: there is none yet) or edited."""

    rating = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=RatingLevel.objects.filter(scale__is_active=True),
        help_text="A level of the active rating scale, by its slug (false, mostly-true...).",
    )
    summary = serializers.CharField(max_length=280)
    rationale = serializers.CharField()
    correction_note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Required for a correction of a published verdict: what changed and why.",
    )
    version = version_field(
        "The open draft's version; 0 when there is none (this drafts a new version). Or "
        "If-Match: the ETag of GET .../verdict/."
    )


class OpenVerdictSerializer(VerdictSerializer):
    claim = serializers.IntegerField(source="claim_id")

    class Meta(VerdictSerializer.Meta):
        fields = [*VerdictSerializer.Meta.fields, "claim"]
