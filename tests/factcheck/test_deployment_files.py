"""docker-compose.yml runs one image as web, worker and beat, with PostgreSQL and Redis,
each with a health check. Checked with `docker compose config` when a Docker client with
the compose plugin is present, else parsed with PyYAML (merge keys resolved)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _compose_config() -> dict:
    docker = shutil.which("docker")
    if docker:
        probe = subprocess.run(
            [docker, "compose", "version"], capture_output=True, text=True, timeout=30
        )
        if probe.returncode == 0:
            result = subprocess.run(
                [
                    docker,
                    "compose",
                    "-f",
                    str(ROOT / "docker-compose.yml"),
                    "config",
                    "--format",
                    "json",
                ],
                capture_output=True,
                text=True,
                timeout=60,
                env={"DJANGO_SECRET_KEY": "x" * 50, "PATH": "/usr/bin:/bin"},
            )
            assert result.returncode == 0, result.stderr
            return json.loads(result.stdout)
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_runs_one_image_as_web_worker_and_beat_with_postgres_and_redis():
    services = _compose_config()["services"]
    assert set(services) == {"web", "worker", "beat", "postgres", "redis"}
    images = {services[role].get("image") for role in ("web", "worker", "beat")}
    assert len(images) == 1 and None not in images
    assert "gunicorn factcheck.wsgi" in str(services["web"]["command"])
    assert "worker" in str(services["worker"]["command"])
    assert "beat" in str(services["beat"]["command"])


def test_every_compose_service_has_a_health_check():
    services = _compose_config()["services"]
    for name, service in services.items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no health check"


def test_app_roles_wait_for_healthy_database_and_redis_and_use_service_urls():
    services = _compose_config()["services"]
    for role in ("web", "worker", "beat"):
        depends = services[role]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"
        env = services[role]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["REDIS_URL"].startswith("redis://")
        assert env["DJANGO_SETTINGS_MODULE"] == "factcheck.settings.production"


def test_the_dockerfile_builds_from_the_pinned_requirements():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "FROM python:3.12" in dockerfile
    assert "pip install -r requirements/base.txt" in dockerfile
    assert "USER factcheck" in dockerfile
