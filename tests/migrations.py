"""Migration tests: move the test database to a migration and back to the latest.

A test that migrates backwards uses ``@pytest.mark.django_db(transaction=True)`` and the
``at_latest`` fixture (``tests/conftest.py``), which migrates forward again afterwards so the
next test finds the current schema."""

from __future__ import annotations

from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate_to(targets):
    """Migrate to ``targets`` (``[(app, migration), ...]``); the models as they were there."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def migrate_to_latest() -> None:
    migrate_to(MigrationExecutor(connection).loader.graph.leaf_nodes())
