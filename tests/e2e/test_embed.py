"""Another site embeds a fact-check: a page served from a different origin (a tiny static
HTML on its own port of 127.0.0.1) holds the ``<iframe>`` the oEmbed endpoint returns. The
card renders inside it with its styles and rating, with no CSP violation; the claim page
itself still refuses to be framed. Screenshots under ``test-artifacts/e2e/``."""

from __future__ import annotations

import functools
import json
import threading
import urllib.request
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlencode

import pytest

from reader.selectors import claim_path
from tests.e2e.conftest import DESKTOP, check_page, keep_local, screenshot
from tests.factories import ensure_default_scale, published_claim

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

HOST_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A newsroom's article</title></head>
<body><h1>Our story</h1><p>As checked by our partners:</p>
{embed}
<p>The end.</p></body></html>
"""


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture
def other_site(tmp_path):
    """A static site on another port of 127.0.0.1: ``(base url, folder it serves)``."""
    handler = functools.partial(_QuietHandler, directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", tmp_path
    server.shutdown()
    server.server_close()


def _oembed(base: str, page_url: str) -> dict:
    query = urlencode({"url": page_url, "format": "json", "maxwidth": 520})
    with urllib.request.urlopen(f"{base}/api/v1/oembed/?{query}", timeout=10) as answer:
        assert answer.status == 200
        return json.loads(answer.read())


def test_another_site_embeds_the_verdict_card(live_server, new_page, other_site):
    ensure_default_scale()  # a transactional test flushes the data migration's scale
    claim = published_claim(rating="false", text="The mayor owns three cars.")
    verdict = claim.verdicts.get()
    base = live_server.url
    embed = _oembed(base, f"{base}{claim_path(claim)}")
    assert embed["type"] == "rich" and embed["width"] == 520
    site, folder = other_site
    (folder / "story.html").write_text(HOST_PAGE.format(embed=embed["html"]))
    offsite: list[str] = []
    page = keep_local(new_page(DESKTOP), offsite)

    page.goto(f"{site}/story.html")
    frame = page.frame_locator("iframe")
    link = frame.get_by_role("link", name="Read the fact-check")
    link.wait_for()
    assert link.get_attribute("href") == f"{base}{claim_path(claim)}"
    assert frame.get_by_text("The mayor owns three cars.").is_visible()
    assert frame.get_by_text(verdict.summary).is_visible()
    rating = frame.locator(".embed-rating .rating")
    assert rating.inner_text() == verdict.rating.label
    # Styled by our own sheets inside the frame: the rating's colour, the card's border.
    colour = rating.evaluate("e => getComputedStyle(e).backgroundColor")
    assert colour not in {"rgba(0, 0, 0, 0)", "rgb(255, 255, 255)"}, colour
    border = frame.locator(".embed-card").evaluate("e => getComputedStyle(e).borderTopStyle")
    assert border == "solid"
    screenshot(page, "embed-01-card-in-another-site")
    assert page.problems == [] and offsite == []

    # The card on its own, as narrow as a sidebar: accessible, nothing wider than the frame.
    alone = keep_local(new_page({"width": 320, "height": 400}), offsite)
    alone.goto(embed["html"].split('src="', 1)[1].split('"', 1)[0])
    check_page(alone, "embed-02-card-320px")
    assert alone.problems == []

    # The claim page itself may not be framed: the browser refuses (frame-ancestors 'none').
    framed = f'<iframe src="{base}{claim_path(claim)}" title="Framed page"></iframe>'
    (folder / "framed.html").write_text(HOST_PAGE.format(embed=framed))
    other = keep_local(new_page(DESKTOP), offsite)
    other.goto(f"{site}/framed.html")
    other.wait_for_timeout(1000)
    child = other.frames[1] if len(other.frames) > 1 else None
    assert child is None or "Our rating" not in (child.content() if child.url else "")
    assert any("frame-ancestors" in problem for problem in other.problems), other.problems
