from django.core.management.base import BaseCommand

from claims.demo import DEMO_USERS, demo_seed


class Command(BaseCommand):
    help = "Create demo accounts (one per role) and the example article, if missing."

    def handle(self, *args, **options):
        report = demo_seed()
        roles = dict(DEMO_USERS)
        if report.new_passwords:
            self.stdout.write("Demo accounts created. Passwords are shown only this once:")
            for username, password in report.new_passwords.items():
                self.stdout.write(f"  {username:<14} ({roles[username]:<8})  {password}")
        if report.existing_users:
            self.stdout.write(
                "Demo accounts already present (passwords unchanged; reset one with "
                "`make shell` or `python manage.py changepassword NAME`): "
                + ", ".join(report.existing_users)
            )
        for slug, created in report.articles:
            state = "loaded" if created else "already present"
            self.stdout.write(f"Demo article {state}: /articles/{slug}/")
        if report.reviewed:
            self.stdout.write(
                f"Demo reviews: {report.reviewed} claims of the demo article taken through the "
                "workflow (evidence, notes, verdicts; published ones approved by another editor)."
            )
