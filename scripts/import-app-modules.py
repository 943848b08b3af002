"""Import every module of the running app (not tests, not benchmarks) after django.setup(),
plus the Celery transport and cache backend the settings name. Used by check-runtime-deps."""

import importlib
import pkgutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from factcheck.celery_app import app  # noqa: E402

packages = [p.name for p in ROOT.iterdir() if (p / "apps.py").exists()] + ["factcheck"]
imported = 0
for package in sorted(packages):
    module = importlib.import_module(package)
    imported += 1
    for info in pkgutil.walk_packages(module.__path__, prefix=f"{package}."):
        if info.name.startswith("factcheck.settings."):  # the active one is loaded already
            continue
        importlib.import_module(info.name)
        imported += 1
transport = app.connection_for_write().transport_cls
app.connection_for_write().get_transport_cls()  # imports kombu's transport module
backend = settings.CACHES["default"]["BACKEND"]
importlib.import_module(backend.rsplit(".", 1)[0])
print(
    f"{sys.argv[1]}: {imported} modules of {', '.join(sorted(packages))} imported; "
    f"broker transport {transport}, cache {backend}"
)
