"""End-to-end fixtures: Debian's Chromium driven by Playwright's Python API.

Never downloads a browser: Chromium comes from the system (`apt-get install chromium`,
done by `scripts/ensure-chromium`, which `make test` runs). Screenshots go to
``test-artifacts/e2e/`` (git-ignored). ``axe_check(page)`` runs axe-core from npm
(``tests/e2e/node_modules``, installed by ``make test``) and returns the serious and
critical violations.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
DESKTOP = {"width": 1280, "height": 900}
MOBILE = {"width": 360, "height": 740}


def _chromium() -> str:
    path = shutil.which("chromium")
    if path:
        return path
    message = "Debian's chromium is not installed (run scripts/ensure-chromium as root)"
    if os.environ.get("CI"):
        pytest.fail(message)  # CI must run the browser tests, never skip them
    pytest.skip(message)
    raise AssertionError  # unreachable


@pytest.fixture(scope="module")
def browser():
    """One browser per test module. Playwright's sync API keeps an event loop running in
    the main thread while it is open, so it is closed before other modules run; Django's
    ORM calls made by the test body itself stay synchronous and safe meanwhile."""
    from playwright.sync_api import sync_playwright

    executable = _chromium()
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=executable,
                headless=True,
                args=[
                    "--no-sandbox",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--no-first-run",
                    "--disable-gpu",
                ],
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def new_page(browser):
    """``new_page(viewport=MOBILE)`` -> a fresh page in its own context; CSP violations and
    page errors are collected on ``page.problems``."""
    contexts = []

    def make(viewport=DESKTOP):
        context = browser.new_context(viewport=viewport)
        contexts.append(context)
        return watched_page(context)

    yield make
    for context in contexts:
        context.close()


def keep_local(page, offsite: list[str] | None = None):
    """Abort every request of ``page`` that would leave 127.0.0.1 (recorded in ``offsite``)."""
    local = {"127.0.0.1", "localhost"}

    def guard(route):
        if urlsplit(route.request.url).hostname in local:
            route.continue_()
        else:
            if offsite is not None:
                offsite.append(route.request.url)
            route.abort()

    page.context.route("**/*", guard)
    return page


def check_page(page, name: str) -> None:
    """Screenshot ``page`` as ``name``, then: no serious axe violation, nothing wider than
    the viewport."""
    screenshot(page, name)
    assert axe_check(page) == [], name
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{name} overflows sideways ({width}px)"


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_check(page) -> list[dict]:
    """Serious and critical axe-core violations on the current page."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make test` (it installs axe-core from npm)")
    # Evaluated through the DevTools protocol, so the page's CSP does not block it.
    page.evaluate(AXE.read_text())
    result = page.evaluate(
        "async () => { const r = await axe.run(document, {resultTypes: ['violations']});"
        " return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)})); }"
    )
    return [v for v in result if v["impact"] in {"serious", "critical"}]


def log_in(page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def watched_page(context):
    """A new page of ``context`` that collects script errors and CSP violations in
    ``page.problems`` (tests assert it stays empty), with a 10 s default timeout."""
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda exc: page.problems.append(f"page error: {exc}"))
    page.on(
        "console",
        lambda msg: (
            page.problems.append(msg.text)
            if msg.type == "error" and "Content Security Policy" in msg.text
            else None
        ),
    )
    page.set_default_timeout(10_000)
    return page
