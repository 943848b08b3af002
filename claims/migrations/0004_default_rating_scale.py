"""The default rating scale, created once; admins may add others and switch the active one."""

from django.db import migrations

SCALE = {
    "name": "Default scale",
    "description": (
        "Five levels from True to False for checkable claims, plus Unsupported and "
        "Satire/Opinion for claims that cannot be placed on that line."
    ),
}
# (slug, label, value, best, worst, colour, text colour, definition); colours pass WCAG AA
# (>= 4.5:1) with their text colour, and every rating is always shown with its label.
LEVELS = [
    ("true", "True", 5, True, False, "#1b6e3a", "#ffffff",
     "The claim is accurate and nothing significant is missing."),
    ("mostly-true", "Mostly true", 4, False, False, "#3f7d20", "#ffffff",
     "The claim is accurate but needs clarification or additional information."),
    ("mixed", "Mixed", 3, False, False, "#f2c230", "#000000",
     "The claim is partly accurate and partly inaccurate, or leaves out important context."),
    ("mostly-false", "Mostly false", 2, False, False, "#b35900", "#ffffff",
     "The claim contains an element of truth but ignores facts that give a different "
     "impression."),
    ("false", "False", 1, False, True, "#b3261e", "#ffffff",
     "The claim is not accurate."),
    ("unsupported", "Unsupported", 0, False, False, "#5b6472", "#ffffff",
     "No evidence was found either way: the claim can be neither confirmed nor refuted."),
    ("satire-opinion", "Satire/Opinion", -1, False, False, "#6b3fbf", "#ffffff",
     "The statement is satire or an opinion, not a checkable statement of fact."),
]


def create_default_scale(apps, schema_editor):
    RatingScale = apps.get_model("claims", "RatingScale")
    RatingLevel = apps.get_model("claims", "RatingLevel")
    if RatingScale.objects.filter(name=SCALE["name"]).exists():
        return
    has_active = RatingScale.objects.filter(is_active=True).exists()
    scale = RatingScale.objects.create(**SCALE, is_active=not has_active)
    for position, (slug, label, value, best, worst, colour, ink, definition) in enumerate(LEVELS):
        RatingLevel.objects.create(
            scale=scale,
            slug=slug,
            label=label,
            value=value,
            is_best=best,
            is_worst=worst,
            colour=colour,
            text_colour=ink,
            definition=definition,
            position=position,
        )


def remove_default_scale(apps, schema_editor):
    RatingScale = apps.get_model("claims", "RatingScale")
    RatingScale.objects.filter(name=SCALE["name"], levels__verdicts__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("claims", "0003_review_workbench")]

    operations = [migrations.RunPython(create_default_scale, remove_default_scale)]
