"""``make run PORT=<n>``: the real command (embedded mode, its own ``var/`` folder) migrates,
loads the demo data and serves the web app on that port next to a worker and beat, with the
site's own error pages (not Django's debug pages) and its static files."""

from __future__ import annotations

import socket
import time
import urllib.request

import pytest

from tests.processes import ROOT, embedded_env, group_start, group_stop


def _free_port() -> int:
    """A loopback port nothing listens on: the kernel's pick, kept only if a connection to it
    is refused (another process may take a port between the pick and the bind)."""
    for _ in range(20):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        with socket.socket() as probe:
            probe.settimeout(1)
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise AssertionError("no free loopback port found in 20 tries")


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.mark.skipif(not (ROOT / ".venv" / "bin" / "honcho").exists(), reason="needs make's venv")
def test_make_run_serves_on_the_port_it_is_given(tmp_path):
    port = _free_port()
    env = embedded_env(tmp_path / "var")
    log_path = tmp_path / "make-run.log"
    log = log_path.open("w")
    process = group_start(["make", "run", f"PORT={port}"], env=env, log=log)
    try:
        deadline = time.monotonic() + 180
        status = None
        while time.monotonic() < deadline and process.poll() is None:
            # Only an answer after honcho started the web process is ours: the log says so
            # first (make echoes the command; honcho gives the port to the web process).
            output = log_path.read_text()
            if f"--port {port}" in output:
                try:
                    status, page = _get(f"http://127.0.0.1:{port}/accounts/login/")
                    break
                except OSError:
                    pass
            time.sleep(0.5)
        output = log_path.read_text()
        assert status == 200, f"nothing answered on port {port}:\n{output[-3000:]}"
        assert 'name="username"' in page
        status, page = _get(f"http://127.0.0.1:{port}/no-such-page/")
        assert status == 404
        assert "Page not found" in page and "URLconf" not in page  # ours, not the debug page
        assert _get(f"http://127.0.0.1:{port}/static/css/app.css")[0] == 200
        output = log_path.read_text()
        for name in ("web", "worker", "beat"):
            assert f"{name}.1" in output, f"{name} did not start:\n{output[-3000:]}"
    finally:
        group_stop(process)
        log.close()
