"""Abstract model bases shared by the apps, and the one table of the shared layer: each
person's interface language."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(gettext_lazy("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(gettext_lazy("updated at"), auto_now=True)

    class Meta:
        abstract = True


class LanguagePreference(models.Model):
    """The interface language a signed-in person chose (``factcheck/lib/languages.py``)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="language_preference"
    )
    language = models.CharField(max_length=16)

    class Meta:
        verbose_name = gettext_lazy("language preference")
        verbose_name_plural = gettext_lazy("language preferences")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.language}"
