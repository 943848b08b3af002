"""One account per e-mail address, whatever its case: a unique index on ``UPPER(email)``
of Django's user table (empty addresses excepted), so two admins inviting the same address at
the same moment cannot both succeed (``desk.services.user_invite`` turns the loser's
``IntegrityError`` into the usual "already belongs to" message)."""

from django.db import migrations

INDEX = "desk_user_email_ci_uniq"


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("desk", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE UNIQUE INDEX {INDEX} ON auth_user (UPPER(email)) WHERE email <> ''",
            reverse_sql=f"DROP INDEX {INDEX}",
        ),
    ]
