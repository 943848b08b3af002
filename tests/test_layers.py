"""Apps import only downhill: factcheck <- audit <- sources <- claims <- (reader | desk).

The import-linter contract in pyproject.toml (run by .ci/run) covers Python imports; the
checkers in tests/layers.py cover what it cannot see: templates, model and URL-name strings,
migration dependencies. The ``test_real_tree_*`` tests check the project itself: they fail until
the move of the public site out of claims into reader is finished.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests import layers

ROOT = layers.ROOT
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(cwd: Path, pythonpath: Path) -> subprocess.CompletedProcess:
    env = os.environ | {"PYTHONPATH": str(pythonpath), "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run(
        [LINT_IMPORTS, "--no-cache", "--no-logo"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def importlinter_tables(pyproject: str) -> str:
    """The ``[tool.importlinter]`` and ``[[tool.importlinter.contracts]]`` tables, verbatim."""
    kept, keep = [], False
    for line in pyproject.splitlines():
        if line.startswith("["):
            keep = line.lstrip("[").startswith("tool.importlinter")
        if keep:
            kept.append(line)
    return "\n".join(kept) + "\n"


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


# A throwaway project with the real contract: every layer imports downhill, the URLconf
# (root wiring) imports the top apps.
DOWNHILL_PROJECT = {
    "factcheck/__init__.py": "",
    "factcheck/lib/__init__.py": "",
    "factcheck/lib/text.py": "def tidy(s):\n    return s.strip()\n",
    "factcheck/urls.py": "from desk.urls import urls as desk\nfrom reader.urls import urls\n",
    "audit/__init__.py": "",
    "audit/models.py": "from factcheck.lib.text import tidy\n\nEvent = tidy\n",
    "sources/__init__.py": "",
    "sources/models.py": "from audit.models import Event\n\nLink = Event\n",
    "sources/x.py": "def count_links():\n    return 1\n",
    "claims/__init__.py": "",
    "claims/models.py": "from sources.models import Link\n\nClaim = Link\n",
    "reader/__init__.py": "",
    "reader/views.py": "from claims.models import Claim\n\nhome = Claim\n",
    "reader/urls.py": "from reader.views import home\n\nurls = [home]\n",
    "desk/__init__.py": "",
    "desk/views.py": "def dashboard():\n    from claims.models import Claim\n\n    return Claim\n",
    "desk/urls.py": "from desk.views import dashboard\n\nurls = [dashboard]\n",
    "desk/x.py": "def team():\n    return 1\n",
    "api/__init__.py": "",
    "api/views.py": "from reader.views import home\n\nfact_checks = home\n",
}


def throwaway_project(tmp_path: Path, changed: dict[str, str] | None = None) -> Path:
    project = tmp_path / "project"
    write(project, DOWNHILL_PROJECT | (changed or {}))
    pyproject = (ROOT / "pyproject.toml").read_text()
    (project / "pyproject.toml").write_text(importlinter_tables(pyproject))
    return project


def test_the_contract_passes_a_project_that_imports_downhill(tmp_path):
    project = throwaway_project(tmp_path)

    result = lint_imports(project, pythonpath=project)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Apps import only downhill KEPT" in result.stdout


@pytest.mark.parametrize(
    ("module", "body", "broken"),
    [
        pytest.param(
            "sources/x.py",
            "def count_links():\n    from claims.models import Claim\n\n    return Claim\n",
            ["sources is not allowed to import claims", "sources.x -> claims.models (l.2)"],
            id="upward-import-in-a-function",
        ),
        pytest.param(
            "desk/x.py",
            "def team():\n    from reader.views import home\n\n    return home\n",
            ["desk is not allowed to import reader", "desk.x -> reader.views (l.2)"],
            id="sibling-import-in-a-function",
        ),
    ],
)
def test_the_contract_catches_an_import_hidden_in_a_function_body(tmp_path, module, body, broken):
    project = throwaway_project(tmp_path, {module: body})

    result = lint_imports(project, pythonpath=project)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "Apps import only downhill BROKEN" in result.stdout
    for line in broken:
        assert line in result.stdout


def test_real_tree_imports_go_only_downhill(tmp_path):
    """REAL TREE: `lint-imports` as .ci/run runs it. A root package not created yet (reader,
    during the move) is stood in for by an empty package, so only the others are checked."""
    stubs = tmp_path / "stubs"
    for package in layers.heights():
        if not (ROOT / package / "__init__.py").exists():
            write(stubs, {f"{package}/__init__.py": ""})

    result = lint_imports(ROOT, pythonpath=stubs)

    assert result.returncode == 0, result.stdout + result.stderr


# Templates -----------------------------------------------------------------------------------


def test_template_checker_catches_urls_includes_and_extends_going_up(tmp_path):
    write(
        tmp_path / "templates",
        {
            "sources/link.html": """\
                {% extends "base.html" %}
                <a href="{% url 'sources:list' %}">{% url 'audit:log' %}{% url 'admin:index' %}</a>
                <a href="{% url 'claims:claim_detail' claim.pk %}">{% url 'login' %}</a>
                {% include "includes/pagination.html" %}{% include 'claims/_field.html' with f=f %}
                """,
            "desk/team.html": "{% include \"claims/_rating.html\" %}{% url 'reader:home' %}\n",
            "claims/page.html": '{% extends "reader/base.html" %}\n',
            "base.html": "{% url 'healthz' %}\n{% url 'review:home' %}\n",
            "registration/login.html": '{% include "desk/_field.html" %}\n',
            "includes/widget.html": '{% include "desk/_field.html" %}\n',
        },
    )

    assert layers.check_templates(tmp_path) == [
        "templates/base.html:2: unknown URL namespace 'review': {% url 'review:home' %}",
        'templates/claims/page.html:1: claims may not use reader: {% extends "reader/base.html" %}',
        "templates/desk/team.html:1: desk may not use reader: {% url 'reader:home' %}",
        "templates/includes/widget.html:1: factcheck may not use desk: "
        '{% include "desk/_field.html" %}',
        "templates/sources/link.html:3: sources may not use claims: "
        "{% url 'claims:claim_detail' claim.pk %}",
        "templates/sources/link.html:4: sources may not use claims: "
        "{% include 'claims/_field.html' with f=f %}",
    ]


def test_real_tree_templates_name_only_downhill():
    """REAL TREE."""
    found = layers.check_templates()
    assert found == [], f"{len(found)} uphill references:\n" + "\n".join(found)


# Model strings and migration dependencies ----------------------------------------------------


def test_model_checker_catches_model_strings_and_migrations_going_up(tmp_path):
    write(
        tmp_path,
        {
            "sources/models.py": """\
                link = models.ForeignKey("claims.Claim", on_delete=models.CASCADE)
                event = models.ForeignKey("audit.AuditEvent", on_delete=models.CASCADE)
                """,
            "sources/migrations/0002_links.py": """\
                def forwards(apps, schema_editor):
                    apps.get_model("sources", "Link")
                    apps.get_model("claims", "Evidence")


                class Migration(migrations.Migration):
                    dependencies = [
                        ("auth", "0012_alter_user_first_name_max_length"),
                        ("sources", "0001_initial"),
                        ("claims", "0011_audit_log_moves_to_audit_app"),
                    ]
                """,
            "audit/services.py": 'Link = apps.get_model("sources.link")\n',
            "claims/services.py": 'Link = apps.get_model(app_label="sources", model_name="Link")\n',
            "reader/models.py": 'Desk = apps.get_model("desk.Person")\n',
        },
    )

    assert sorted(layers.check_models(tmp_path)) == [
        'audit/services.py:1: audit may not use sources: Link = apps.get_model("sources.link")',
        'reader/models.py:1: reader may not use desk: Desk = apps.get_model("desk.Person")',
        "sources/migrations/0002_links.py:10: sources may not use claims: "
        '("claims", "0011_audit_log_moves_to_audit_app"),',
        'sources/migrations/0002_links.py:3: sources may not use claims: apps.get_model("claims", '
        '"Evidence")',
        'sources/models.py:1: sources may not use claims: link = models.ForeignKey("claims.Claim", '
        "on_delete=models.CASCADE)",
    ]


def test_real_tree_model_strings_and_migrations_name_only_downhill():
    """REAL TREE."""
    found = layers.check_models()
    assert found == [], f"{len(found)} uphill references:\n" + "\n".join(found)


# URL names in Python -------------------------------------------------------------------------


def test_url_name_checker_catches_reverse_and_redirect_going_up(tmp_path):
    write(
        tmp_path,
        {
            "sources/views.py": """\
                def view(request):
                    reverse("sources:list"), reverse("login"), redirect("admin:index")
                    back = reverse_lazy(viewname="desk:team")
                    return redirect("claims:claim_detail", pk=1)
                """,
            "claims/views.py": 'url = reverse("review:home")\n',
            "desk/views.py": 'home = resolve_url("reader:home")\n',
            "factcheck/lib/links.py": 'queue = reverse("claims:claim_queue")\n',
            "factcheck/urls.py": 'desk = reverse("desk:team")  # the root wiring: anything goes\n',
        },
    )

    assert sorted(layers.check_url_names(tmp_path)) == [
        "claims/views.py:1: unknown URL namespace 'review': url = reverse(\"review:home\")",
        'desk/views.py:1: desk may not use reader: home = resolve_url("reader:home")',
        "factcheck/lib/links.py:1: factcheck may not use claims: "
        'queue = reverse("claims:claim_queue")',
        'sources/views.py:3: sources may not use desk: back = reverse_lazy(viewname="desk:team")',
        "sources/views.py:4: sources may not use claims: "
        'return redirect("claims:claim_detail", pk=1)',
    ]


def test_real_tree_url_names_in_python_go_only_downhill():
    """REAL TREE."""
    found = layers.check_url_names()
    assert found == [], f"{len(found)} uphill references:\n" + "\n".join(found)
