"""The layering import-linter cannot see, checked by reading files (tests/test_layers.py).

The layers come from the import-linter contract in pyproject.toml (one source of truth):
factcheck <- audit <- sources <- claims <- (reader | desk). A file of layer L may name only
L itself or a layer below it; reader and desk are siblings and may not name each other.

- templates: ``templates/<app>/`` belongs to that app, everything else (base.html, includes/,
  registration/) to factcheck. ``{% url 'ns:...' %}``, ``{% include %}`` and ``{% extends %}``.
- model strings: ``get_model("app", ...)``, ``"app.Model"`` (get_model, lazy ForeignKeys) and
  migration ``dependencies``.
- URL names in Python: ``reverse``, ``reverse_lazy``, ``redirect``, ``resolve_url``.

URL namespaces are named after the apps; ``admin:`` is Django's, and names without a namespace
('login', 'healthz') are the root wiring's: both are always allowed. Any other namespace is
reported as unknown. The root wiring modules (the contract's ``X -> **`` ignores) are skipped.
Each checker returns ``path:line: message`` strings, paths relative to the project.
"""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DJANGO_NAMESPACES = {"admin"}
# The root wiring (root URLconf, the site's frame templates) may name every app.
WIRING = "wiring"
URL_FUNCTIONS = {"reverse", "reverse_lazy", "redirect", "resolve_url"}
TEMPLATE_TAG = re.compile(r"""{%\s*(url|include|extends)\s+(["'])(.+?)\2.*?%}""")
MODEL_STRING = re.compile(r"(\w+)\.[A-Z]\w*")


def contract(root: Path = ROOT) -> dict:
    """The layers contract of ``[tool.importlinter]`` in root/pyproject.toml."""
    config = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["importlinter"]
    (layers,) = [c for c in config["contracts"] if c["type"] == "layers"]
    return layers


def heights(root: Path = ROOT) -> dict[str, int]:
    """{app: height}: factcheck 0, audit 1, sources 2, claims 3, reader and desk 4."""
    layers = reversed(contract(root)["layers"])
    return {app.strip(): h for h, layer in enumerate(layers) for app in layer.split("|")}


def wiring_files(root: Path = ROOT) -> set[str]:
    """The root wiring (factcheck/urls.py, ...): the contract lets them import anything."""
    ignores = [i.split("->") for i in contract(root).get("ignore_imports", [])]
    return {f"{a.strip().replace('.', '/')}.py" for a, b in ignores if b.strip() == "**"}


class Checker:
    def __init__(self, root: Path = ROOT, layers_root: Path = ROOT):
        self.root = root
        self.height = heights(layers_root)
        self.wiring = wiring_files(layers_root)
        self.found: list[str] = []

    def may_use(self, user: str, used: str) -> bool:
        if user == WIRING:
            return True
        return used == user or self.height[used] < self.height[user]

    def report(self, path: Path, line: int, message: str) -> None:
        self.found.append(f"{path.relative_to(self.root)}:{line}: {message}")

    def check_url_name(self, path: Path, line: int, user: str, name: str, code: str) -> None:
        if ":" not in name:
            return  # un-namespaced: the root wiring's ('login', 'healthz', 'rating_styles')
        namespace = name.split(":")[0]
        if namespace in DJANGO_NAMESPACES:
            return
        if namespace not in self.height:
            self.report(path, line, f"unknown URL namespace {namespace!r}: {code}")
        elif not self.may_use(user, namespace):
            self.report(path, line, f"{user} may not use {namespace}: {code}")

    def check_app(self, path: Path, line: int, user: str, app: str, code: str) -> None:
        if app in self.height and not self.may_use(user, app):
            self.report(path, line, f"{user} may not use {app}: {code}")

    # Templates --------------------------------------------------------------------------
    def template_owner(self, name: str) -> str:
        """templates/<app>/... is the app's; registration/ (log-in, password reset) is the
        desk's; includes/ is factcheck's. The site's frame (base.html and the error pages,
        whose navigation links every app's pages) is root wiring, like the root URLconf."""
        first = name.split("/")[0]
        if "/" not in name:
            return WIRING
        if first == "registration":
            return "desk"
        return first if first in self.height else "factcheck"

    def templates(self) -> list[str]:
        folder = self.root / "templates"
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            owner = self.template_owner(path.relative_to(folder).as_posix())
            for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                for match in TEMPLATE_TAG.finditer(text):
                    tag, name, code = match[1], match[3], match[0]
                    if tag == "url":
                        self.check_url_name(path, number, owner, name, code)
                    else:
                        self.check_app(path, number, owner, self.template_owner(name), code)
        return self.found

    # Python: model strings, migration dependencies, URL names ----------------------------
    def python_files(self):
        """(app, path, parsed module, its lines) of every app module but the root wiring."""
        for app in sorted(self.height):
            for path in sorted((self.root / app).rglob("*.py")):
                if path.relative_to(self.root).as_posix() not in self.wiring:
                    source = path.read_text(encoding="utf-8")
                    yield app, path, ast.parse(source, str(path)), source.splitlines()

    def models(self) -> list[str]:
        for app, path, tree, lines in self.python_files():
            for node in ast.walk(tree):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    if match := MODEL_STRING.fullmatch(node.value):  # get_model, ForeignKey
                        self.check_app(path, node.lineno, app, match[1], _line(lines, node))
                elif _called(node) == "get_model" and (arg := _first_string(node)):
                    if not MODEL_STRING.fullmatch(arg):  # "app.Model": seen above
                        label = arg.split(".")[0]
                        self.check_app(path, node.lineno, app, label, _line(lines, node))
                elif "migrations" in path.parts and _assigns(node, "dependencies"):
                    for dependency in getattr(node.value, "elts", []):
                        label = (getattr(dependency, "elts", None) or [None])[0]
                        if isinstance(label, ast.Constant) and isinstance(label.value, str):
                            code = _line(lines, dependency)
                            self.check_app(path, dependency.lineno, app, label.value, code)
        return self.found

    def url_names(self) -> list[str]:
        for app, path, tree, lines in self.python_files():
            for node in ast.walk(tree):
                if _called(node) in URL_FUNCTIONS and (name := _first_string(node)):
                    self.check_url_name(path, node.lineno, app, name, _line(lines, node))
        return self.found


def _line(lines: list[str], node: ast.AST) -> str:
    return lines[node.lineno - 1].strip()


def _called(node: ast.AST) -> str | None:
    """The name of the function a call calls: reverse(...), apps.get_model(...)."""
    if isinstance(node, ast.Call):
        return getattr(node.func, "id", None) or getattr(node.func, "attr", None)
    return None


def _first_string(call: ast.Call) -> str | None:
    """The view name or app label: the first argument, or passed as viewname=/to=/app_label=."""
    named = (k.value for k in call.keywords if k.arg in {"viewname", "to", "app_label"})
    first = call.args[0] if call.args else next(named, None)
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        return first.value
    return None


def _assigns(node: ast.AST, name: str) -> bool:
    targets = node.targets if isinstance(node, ast.Assign) else []
    return any(getattr(target, "id", None) == name for target in targets)


def check_templates(root: Path = ROOT, layers_root: Path = ROOT) -> list[str]:
    return Checker(root, layers_root).templates()


def check_models(root: Path = ROOT, layers_root: Path = ROOT) -> list[str]:
    return Checker(root, layers_root).models()


def check_url_names(root: Path = ROOT, layers_root: Path = ROOT) -> list[str]:
    return Checker(root, layers_root).url_names()
