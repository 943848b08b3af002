from django.db import migrations, models


class Migration(migrations.Migration):
    """The webhook sweep's due deliveries, oldest first, without reading the delivered ones."""

    dependencies = [
        ("api", "0003_verbose_names"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="webhookdelivery",
            index=models.Index(
                condition=models.Q(next_attempt_at__isnull=False),
                fields=["next_attempt_at", "id"],
                name="api_webhook_delivery_due_idx",
            ),
        ),
    ]
