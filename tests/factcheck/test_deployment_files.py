"""docker-compose.yml runs one image as a one-shot migrate, web, two workers (the link
checks on their own queue) and beat, with PostgreSQL and Redis, each long-running service
with a health check, and Flower on request; the systemd examples in deploy/ do the same
without containers. Checked with `docker compose config` (or the
older `docker-compose`) when one is installed; the properties are read from the YAML itself
(PyYAML resolves the merge keys)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
APP_ROLES = ("web", "worker", "worker-links", "beat")
COMPOSE_ENV = {"DJANGO_SECRET_KEY": "x" * 50, "PATH": "/usr/local/bin:/usr/bin:/bin"}


def _compose_cli() -> list[str] | None:
    """``docker compose`` (v2), else ``docker-compose`` (v1), else None."""
    docker = shutil.which("docker")
    if docker:
        probe = subprocess.run(
            [docker, "compose", "version"], capture_output=True, text=True, timeout=30
        )
        if probe.returncode == 0:
            return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    return [legacy] if legacy else None


def _compose_config() -> dict:
    """The services as the compose CLI resolves them (default profile), else the YAML."""
    cli = _compose_cli()
    if cli is None:
        return _compose_yaml()
    v2 = cli[-1] == "compose"
    result = subprocess.run(
        [
            *cli,
            "-f",
            str(ROOT / "docker-compose.yml"),
            "config",
            *(["--format", "json"] if v2 else []),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=COMPOSE_ENV,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout) if v2 else yaml.safe_load(result.stdout)


def _compose_yaml() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_docker_compose_config_validates():
    cli = _compose_cli()
    if cli is None:
        pytest.skip("no docker compose or docker-compose CLI on this machine")
    for extra in ([], ["--profile", "flower"]):
        result = subprocess.run(
            [*cli, "-f", str(ROOT / "docker-compose.yml"), *extra, "config", "-q"],
            capture_output=True,
            text=True,
            timeout=60,
            env=COMPOSE_ENV,
        )
        assert result.returncode == 0, result.stderr


def test_compose_runs_one_image_as_migrate_web_workers_and_beat_with_postgres_and_redis():
    services = _compose_config()["services"]
    # Flower runs only with its profile (compose v2 leaves it out of the default config).
    assert set(services) - {"flower"} == {*APP_ROLES, "migrate", "postgres", "redis"}
    images = {services[role].get("image") for role in (*APP_ROLES, "migrate")}
    assert len(images) == 1 and None not in images
    assert "gunicorn factcheck.wsgi" in str(services["web"]["command"])
    assert "worker" in str(services["worker"]["command"])
    assert "beat" in str(services["beat"]["command"])


def test_migrate_is_one_shot_and_the_app_roles_wait_for_it():
    services = _compose_yaml()["services"]
    migrate = services["migrate"]
    assert "manage.py migrate --noinput" in str(migrate["command"])
    assert migrate["restart"] == "no"
    assert "migrate" not in migrate["depends_on"]
    for role in APP_ROLES:
        assert services[role]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        ), role
        # Only the one-shot service migrates: web replicas never do.
        assert "migrate" not in str(services[role]["command"]), role


def test_every_long_running_compose_service_has_a_health_check():
    services = _compose_yaml()["services"]
    for name, service in services.items():
        if service.get("restart") == "no":
            continue  # one-shot (migrate): its exit status is what the others wait for
        assert service.get("healthcheck", {}).get("test"), f"{name} has no health check"
        assert not service["healthcheck"].get("disable"), name


def test_the_workers_split_the_queues_between_them_and_cover_every_one():
    from django.conf import settings

    services = _compose_yaml()["services"]

    def queues(role):
        words = " ".join(str(services[role]["command"]).split()).split()
        return set(words[words.index("-Q") + 1].split(","))

    main, links = queues("worker"), queues("worker-links")
    assert links == {settings.FACTCHECK_QUEUE_LINKS}
    assert settings.FACTCHECK_QUEUE_LINKS not in main
    assert main | links == set(settings.FACTCHECK_QUEUES)
    # Each worker's health check pings its own node name.
    for role, node in (("worker", "main"), ("worker-links", "links")):
        assert f"-n {node}@%h" in " ".join(str(services[role]["command"]).split())
        assert f"--destination {node}@$$HOSTNAME" in str(services[role]["healthcheck"]["test"])


def test_flower_is_a_profile_of_its_own_image_bound_to_localhost():
    flower = _compose_yaml()["services"]["flower"]
    assert flower["profiles"] == ["flower"]
    # Flower is not in the project's image (nor requirements): its own pinned image.
    assert flower["image"].startswith("mher/flower:") and not flower["image"].endswith(":latest")
    assert "flower" not in (ROOT / "requirements" / "base.txt").read_text().lower()
    assert all(str(port).startswith("127.0.0.1:") for port in flower["ports"])
    assert flower["healthcheck"]["test"]


def test_app_roles_wait_for_healthy_database_and_redis_and_use_service_urls():
    services = _compose_yaml()["services"]
    for role in (*APP_ROLES, "migrate"):
        depends = services[role]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"
        env = services[role]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["REDIS_URL"].startswith("redis://")
        assert env["DJANGO_SETTINGS_MODULE"] == "factcheck.settings.production"
        assert env["LOG_FORMAT"] == "${LOG_FORMAT:-json}"


def test_the_dockerfile_builds_from_the_pinned_requirements():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "FROM python:3.12" in dockerfile
    assert "pip install -r requirements/base.txt" in dockerfile
    assert "USER factcheck" in dockerfile


def test_the_systemd_examples_migrate_once_and_run_one_beat():
    units = ROOT / "deploy" / "systemd"
    migrate = (units / "factcheck-migrate.service").read_text()
    assert "Type=oneshot" in migrate and "manage.py migrate --noinput" in migrate
    web = (units / "factcheck-web.service").read_text()
    assert "gunicorn factcheck.wsgi" in web and "migrate" not in web.split("[Service]")[1]
    worker = (units / "factcheck-worker@.service").read_text()
    assert "-Q ${FACTCHECK_WORKER_QUEUES}" in worker and "-n %i@%H" in worker
    beat = (units / "factcheck-beat.service").read_text()
    assert "celery -A factcheck beat" in beat and "one per deployment" in beat
    for unit in (web, worker, beat):
        assert "After=network-online.target factcheck-migrate.service" in unit
        assert "EnvironmentFile=/etc/factcheck/env" in unit
