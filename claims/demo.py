"""Demonstration data for ``make run``: one account per role and the example article."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction

from claims.services import article_ingest
from factcheck.lib.roles import ADMIN, EDITOR, READER, REVIEWER, role_assign, roles_sync

DEMO_DIR = Path(__file__).resolve().parent / "fixtures" / "demo"
DEMO_USERS = (
    ("demo-reader", READER),
    ("demo-reviewer", REVIEWER),
    ("demo-editor", EDITOR),
    # A second editor, so four-eyes approval can be tried on the demo.
    ("demo-editor2", EDITOR),
    ("demo-admin", ADMIN),
)
DEMO_ARTICLE = {
    "file": "nato-troops-in-ukraine.txt",
    "title": "NATO Troops in Ukraine: Exploring the Presence of International Forces",
    "author": "The Prepared Homestead (example blog post)",
}


@dataclass
class DemoReport:
    new_passwords: dict[str, str] = field(default_factory=dict)
    existing_users: list[str] = field(default_factory=list)
    articles: list[tuple[str, bool]] = field(default_factory=list)


@transaction.atomic
def demo_seed() -> DemoReport:
    """Create what is missing; never reset an existing account's password."""
    report = DemoReport()
    roles_sync()
    User = get_user_model()
    for username, role in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            password = secrets.token_urlsafe(12)
            user = User.objects.create_user(username=username, password=password)
            report.new_passwords[username] = password
        else:
            report.existing_users.append(username)
        role_assign(user, role)
    text = (DEMO_DIR / DEMO_ARTICLE["file"]).read_text(encoding="utf-8")
    result = article_ingest(
        title=DEMO_ARTICLE["title"], text=text, author=DEMO_ARTICLE["author"], is_demo=True
    )
    report.articles.append((result.article.slug, result.created))
    return report
