import sys

from django.conf import settings
from django.core.management.base import BaseCommand

from factcheck.lib.env import redact_url
from factcheck.lib.health import broker_check, database_check


class Command(BaseCommand):
    help = "Check that the database and the broker are reachable; one clear line if not."

    def handle(self, *args, **options):
        failures = []
        ok, detail = database_check()
        if not ok:
            where = (
                "DATABASE_URL"
                if settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
                else "the SQLite file under var/ (FACTCHECK_VAR_DIR)"
            )
            failures.append(f"database unreachable ({detail}): check {where}.")
        ok, detail = broker_check()
        if not ok:
            where = "REDIS_URL" if settings.REDIS_URL else "FACTCHECK_VAR_DIR"
            failures.append(f"broker unreachable ({detail}): check {where}.")
        for line in failures:
            self.stderr.write(f"error: {line}")
        if failures:
            sys.exit(1)
        self.stdout.write(
            f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}; "
            f"broker: {redact_url(settings.CELERY_BROKER_URL)}"
        )
