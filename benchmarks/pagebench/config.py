"""Where ``benchmarks/pages.py`` finds its data, its database, Redis and its settings."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the repository

CLAIMBUSTER = ROOT.parent / "shared" / "data" / "claimbuster" / "train.json"
DB_NAME = "factcheck_bench"
PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
DATABASE_URL = f"postgres://{PG_USER}@{PG_HOST}:{PG_PORT}/{DB_NAME}"
REDIS_URL = "redis://127.0.0.1:6379/9"  # broker; the cache is on db 10
REDIS_CACHE_URL = "redis://127.0.0.1:6379/10"
SETTINGS = "pagebench.settings"  # benchmarks/pagebench/settings.py
LOGIN_USER = "bench-reviewer-01"
