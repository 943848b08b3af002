"""Rating scales as data: one active scale, levels that published verdicts use are
deactivated instead of deleted (services, the desk's page and the Django admin), and
deactivated levels are no longer offered for new verdicts but still shown on old ones."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from audit.models import AuditEvent
from claims import services
from claims.forms import VerdictForm
from claims.models import Claim, RatingLevel, RatingScale, Verdict
from factcheck.lib.roles import ADMIN, EDITOR, role_assign
from factcheck.lib.versions import NO_VERSION_CHECK
from tests.factories import ClaimFactory, UserFactory, VerdictFactory, published_claim, rating_level

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user(roles):
    user = UserFactory(username="scale-admin")
    role_assign(user, ADMIN)
    return user


def _scale(name="Three-level scale", *, levels=("Right", "Half right", "Wrong")):
    scale = RatingScale.objects.create(name=name, description="A short scale.")
    for position, label in enumerate(levels):
        RatingLevel.objects.create(
            scale=scale,
            label=label,
            slug=label.lower().replace(" ", "-"),
            value=len(levels) - position,
            is_best=position == 0,
            is_worst=position == len(levels) - 1,
            colour="#1f5fbf",
            definition=f"{label}.",
            position=position,
        )
    return scale


# --------------------------------------------------------------------- one active scale


def test_activating_a_scale_deactivates_the_other_in_one_step(admin_user):
    old = RatingScale.objects.get(is_active=True)
    new = _scale()
    services.rating_scale_activate(actor=admin_user, scale=new, version=NO_VERSION_CHECK)
    assert list(RatingScale.objects.filter(is_active=True)) == [new]
    old.refresh_from_db()
    assert not old.is_active
    event = AuditEvent.objects.get(action="claims.scale.activated")
    assert event.actor == admin_user
    assert event.changes == {"active scale": [old.name, new.name]}


def test_a_scale_without_levels_or_ends_cannot_become_active(admin_user):
    empty = RatingScale.objects.create(name="Empty")
    with pytest.raises(ValidationError, match="no active level"):
        services.rating_scale_activate(actor=admin_user, scale=empty, version=NO_VERSION_CHECK)
    no_ends = _scale("No ends")
    no_ends.levels.update(is_best=False, is_worst=False)
    with pytest.raises(ValidationError, match="no level is marked best; no level is marked worst"):
        services.rating_scale_activate(actor=admin_user, scale=no_ends, version=NO_VERSION_CHECK)
    assert RatingScale.objects.get(is_active=True).name == "Default scale"


def test_only_admins_change_scales(roles):
    editor = UserFactory(username="ed")
    role_assign(editor, EDITOR)
    with pytest.raises(PermissionDenied):
        services.rating_scale_activate(actor=editor, scale=_scale(), version=NO_VERSION_CHECK)


def test_verdicts_are_drafted_on_the_newly_active_scale(admin_user, reviewer):
    new = _scale()
    services.rating_scale_activate(actor=admin_user, scale=new, version=NO_VERSION_CHECK)
    assert [lv.label for lv in services.offered_levels()] == ["Right", "Half right", "Wrong"]
    claim = ClaimFactory()
    with pytest.raises(ValidationError, match="not on the active rating scale"):
        services.verdict_save(
            claim=claim,
            user=reviewer,
            rating=rating_level_of("Default scale", "false"),
            summary="S",
            rationale="R",
            version=NO_VERSION_CHECK,
        )


def rating_level_of(scale_name: str, slug: str) -> RatingLevel:
    return RatingLevel.objects.get(scale__name=scale_name, slug=slug)


# --------------------------------------------------------------------- deactivating levels


def test_a_level_used_by_a_published_verdict_cannot_be_deleted_but_can_be_deactivated(
    admin_user,
):
    claim = published_claim(rating="mixed")
    level = rating_level("mixed")
    with pytest.raises(ValidationError, match="1 published verdict: it cannot be deleted"):
        services.rating_level_delete(actor=admin_user, level=level, version=NO_VERSION_CHECK)
    assert RatingLevel.objects.filter(pk=level.pk).exists()
    services.rating_level_deactivate(actor=admin_user, level=level, version=NO_VERSION_CHECK)
    level.refresh_from_db()
    assert not level.is_active
    assert Verdict.objects.get(claim=claim).rating == level
    assert level not in services.offered_levels()
    assert level in services.active_levels()  # the queue still filters by it
    event = AuditEvent.objects.get(action="claims.rating_level.deactivated")
    assert event.changes["is_active"] == [True, False]


def test_a_superseded_verdict_also_keeps_its_level_from_deletion(admin_user):
    claim = published_claim(rating="mixed")
    Verdict.objects.filter(claim=claim).update(state=Verdict.State.SUPERSEDED)
    with pytest.raises(ValidationError, match="published verdict"):
        services.rating_level_delete(
            actor=admin_user, level=rating_level("mixed"), version=NO_VERSION_CHECK
        )


def test_a_level_only_drafts_use_is_not_deleted_either(admin_user):
    VerdictFactory(rating=rating_level("mixed"))
    with pytest.raises(ValidationError, match="draft verdict: change their rating first"):
        services.rating_level_delete(
            actor=admin_user, level=rating_level("mixed"), version=NO_VERSION_CHECK
        )


def test_an_unused_level_is_deleted_with_an_audit_event(admin_user):
    level = rating_level("mixed")
    services.rating_level_delete(actor=admin_user, level=level, version=NO_VERSION_CHECK)
    assert not RatingLevel.objects.filter(pk=level.pk).exists()
    event = AuditEvent.objects.get(action="claims.rating_level.deleted")
    assert event.changes["label"] == "Mixed"


def test_the_active_scale_keeps_an_active_level_and_its_ends(admin_user):
    scale = _scale("Tiny", levels=("Yes", "No"))
    services.rating_scale_activate(actor=admin_user, scale=scale, version=NO_VERSION_CHECK)
    yes, no = scale.levels.order_by("position")
    with pytest.raises(ValidationError, match="best level of the active scale"):
        services.rating_level_delete(actor=admin_user, level=yes, version=NO_VERSION_CHECK)
    services.rating_level_deactivate(actor=admin_user, level=yes, version=NO_VERSION_CHECK)
    with pytest.raises(ValidationError, match="last active level"):
        services.rating_level_deactivate(actor=admin_user, level=no, version=NO_VERSION_CHECK)
    services.rating_level_reactivate(actor=admin_user, level=yes, version=NO_VERSION_CHECK)
    yes.refresh_from_db()
    assert yes.is_active


def test_a_deactivated_level_is_not_offered_for_new_verdicts(admin_user, reviewer):
    level = rating_level("mixed")
    services.rating_level_deactivate(actor=admin_user, level=level, version=NO_VERSION_CHECK)
    form = VerdictForm({"rating": level.pk, "summary": "S", "rationale": "R"}, levels=None)
    assert not form.is_valid()
    assert "rating" in form.errors
    with pytest.raises(ValidationError) as caught:
        services.verdict_save(
            claim=ClaimFactory(),
            user=reviewer,
            rating=level,
            summary="S",
            rationale="R",
            version=NO_VERSION_CHECK,
        )
    assert "no longer offered" in caught.value.message_dict["rating"][0]


def test_the_claim_page_offers_only_active_levels_but_shows_a_deactivated_one_on_old_verdicts(
    admin_user, client_for
):
    claim = published_claim(rating="mixed")
    services.rating_level_deactivate(
        actor=admin_user, level=rating_level("mixed"), version=NO_VERSION_CHECK
    )
    html = client_for("editor").get(f"/review/claims/{claim.pk}/").content.decode()
    select = html[
        html.index('name="rating"') : html.index("</select>", html.index('name="rating"'))
    ]
    assert ">Mixed<" not in select and ">False<" in select
    published = html[html.index('class="verdict-published"') :][:600]
    assert ">Mixed</span>" in published
    # The reader page still shows the rating.
    reader = Client().get(f"/claims/{claim.pk}/").content.decode()
    assert "Mixed" in reader


# --------------------------------------------------------------------- the desk's page


def test_the_scales_page_lists_levels_with_their_use(client_for):
    published_claim(rating="false")
    VerdictFactory(rating=rating_level("mixed"))
    html = client_for("admin").get("/review/scales/").content.decode()
    assert "Default scale" in html and "Active" in html
    row = html[html.index(">False</span>") :].split("</tr>")[0]
    assert "<td>1</td>" in row  # one published verdict
    assert "Delete" not in row  # used: no delete button, only deactivate
    assert "Deactivate" in row


def test_the_scales_page_buttons_activate_deactivate_and_refuse_with_reasons(client_for, roles):
    client = client_for("admin")
    scale = _scale()
    response = client.post(
        f"/review/scales/{scale.pk}/activate/", {"version": scale.version}, follow=True
    )
    assert "is now the active scale" in response.content.decode()
    scale.refresh_from_db()
    assert scale.is_active
    used = rating_level_of("Default scale", "false")
    published_claim_on(used)
    response = client.post(
        f"/review/scales/levels/{used.pk}/delete/", {"version": _v(used)}, follow=True
    )
    assert "it cannot be deleted. Deactivate it instead" in response.content.decode()
    assert RatingLevel.objects.filter(pk=used.pk).exists()
    response = client.post(
        f"/review/scales/levels/{used.pk}/deactivate/", {"version": _v(used)}, follow=True
    )
    assert "no longer offered for new verdicts" in response.content.decode()
    response = client.post(
        f"/review/scales/levels/{used.pk}/reactivate/", {"version": _v(used)}, follow=True
    )
    assert "offered for new verdicts again" in response.content.decode()
    unused = rating_level_of("Default scale", "satire-opinion")
    client.post(f"/review/scales/levels/{unused.pk}/delete/", {"version": _v(unused)})
    assert not RatingLevel.objects.filter(pk=unused.pk).exists()
    assert client.post("/review/scales/levels/999999/delete/", {"version": 1}).status_code == 404


def _v(level: RatingLevel) -> int:
    """The level's version now (what the scales page shows)."""
    return RatingLevel.objects.get(pk=level.pk).version


def published_claim_on(level: RatingLevel) -> Claim:
    claim = ClaimFactory(status=Claim.Status.PUBLISHED, rating=level)
    VerdictFactory(
        claim=claim, rating=level, state=Verdict.State.PUBLISHED, published_at=timezone.now()
    )
    return claim


# --------------------------------------------------------------------- the Django admin


@pytest.fixture
def admin_client_(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


def _inline_data(scale: RatingScale, delete: set[int] = frozenset()) -> dict:
    levels = list(scale.levels.order_by("position", "pk"))
    data = {
        "name": scale.name,
        "description": scale.description,
        "version": str(scale.version),
        "levels-TOTAL_FORMS": str(len(levels)),
        "levels-INITIAL_FORMS": str(len(levels)),
        "levels-MIN_NUM_FORMS": "0",
        "levels-MAX_NUM_FORMS": "1000",
    }
    for i, level in enumerate(levels):
        prefix = f"levels-{i}-"
        data.update(
            {
                f"{prefix}id": str(level.pk),
                f"{prefix}scale": str(scale.pk),
                f"{prefix}position": str(level.position),
                f"{prefix}label": level.label,
                f"{prefix}slug": level.slug,
                f"{prefix}value": str(level.value),
                f"{prefix}colour": level.colour,
                f"{prefix}text_colour": level.text_colour,
                f"{prefix}definition": level.definition,
                f"{prefix}version": str(level.version),
            }
        )
        if level.is_best:
            data[f"{prefix}is_best"] = "on"
        if level.is_worst:
            data[f"{prefix}is_worst"] = "on"
        if level.pk in delete:
            data[f"{prefix}DELETE"] = "on"
    return data


def test_the_admin_refuses_to_delete_a_level_in_use_from_the_scale_page(admin_client_):
    published_claim(rating="mixed")
    scale = RatingScale.objects.get(is_active=True)
    mixed = rating_level("mixed")
    url = f"/admin/claims/ratingscale/{scale.pk}/change/"
    response = admin_client_.post(url, _inline_data(scale, {mixed.pk}))
    assert response.status_code == 200  # the form again, with the reason
    assert "it cannot be deleted. Deactivate it instead" in response.content.decode()
    assert RatingLevel.objects.filter(pk=mixed.pk).exists()
    # An unused level goes, through the service (audited).
    satire = rating_level("satire-opinion")
    response = admin_client_.post(url, _inline_data(scale, {satire.pk}))
    assert response.status_code == 302
    assert not RatingLevel.objects.filter(pk=satire.pk).exists()
    assert AuditEvent.objects.filter(action="claims.rating_level.deleted").count() == 1


def test_the_admin_delete_action_refuses_levels_in_use_with_the_reason(admin_client_):
    published_claim(rating="mixed")
    mixed = rating_level("mixed")
    response = admin_client_.post(
        "/admin/claims/ratinglevel/",
        {"action": "delete_selected", "_selected_action": [mixed.pk], "post": "yes"},
    )
    assert "it cannot be deleted. Deactivate it instead" in response.content.decode()
    assert RatingLevel.objects.filter(pk=mixed.pk).exists()
    page = admin_client_.get(f"/admin/claims/ratinglevel/{mixed.pk}/delete/")
    assert "it cannot be deleted. Deactivate it instead" in page.content.decode()
    admin_client_.post(f"/admin/claims/ratinglevel/{mixed.pk}/delete/", {"post": "yes"})
    assert RatingLevel.objects.filter(pk=mixed.pk).exists()


def test_the_admin_actions_deactivate_levels_and_switch_the_active_scale(admin_client_):
    mixed = rating_level("mixed")
    admin_client_.post(
        "/admin/claims/ratinglevel/",
        {"action": "deactivate", "_selected_action": [mixed.pk]},
    )
    mixed.refresh_from_db()
    assert not mixed.is_active
    new = _scale()
    response = admin_client_.post(
        "/admin/claims/ratingscale/",
        {"action": "make_active", "_selected_action": [new.pk]},
        follow=True,
    )
    assert "is now the active scale" in response.content.decode()
    assert RatingScale.objects.get(is_active=True) == new


def test_the_admin_cannot_delete_the_active_scale(admin_client_):
    scale = RatingScale.objects.get(is_active=True)
    page = admin_client_.get(f"/admin/claims/ratingscale/{scale.pk}/delete/")
    assert "is the active scale: make another scale active" in page.content.decode()
    admin_client_.post(f"/admin/claims/ratingscale/{scale.pk}/delete/", {"post": "yes"})
    assert RatingScale.objects.filter(pk=scale.pk).exists()
    unused = _scale("Unused")
    admin_client_.post(f"/admin/claims/ratingscale/{unused.pk}/delete/", {"post": "yes"})
    assert not RatingScale.objects.filter(pk=unused.pk).exists()
    assert AuditEvent.objects.filter(action="claims.scale.deleted").count() == 1


def test_a_scale_change_refreshes_the_cached_reader_pages(
    admin_user, django_capture_on_commit_callbacks
):
    from reader import cache

    before = cache.stamp(cache.SITE)
    with django_capture_on_commit_callbacks(execute=True):
        services.rating_level_deactivate(
            actor=admin_user, level=rating_level("mixed"), version=NO_VERSION_CHECK
        )
    assert cache.stamp(cache.SITE) != before
