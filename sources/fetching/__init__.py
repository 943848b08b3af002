"""The workbench's only HTTP client: link checks and article fetches.

Everything that leaves the process over HTTP goes through this package (import from here:
``from sources.fetching import check_url``) so that one set of rules applies everywhere:

* **SSRF guard.**  Only ``http``/``https``.  Every redirect hop is vetted before it is
  requested.  The address that is actually connected to is vetted *at connection
  time*: :class:`GuardedNetworkBackend` (an ``httpcore`` network backend) resolves the
  host itself, refuses the connection if **any** resolved address is forbidden, and then
  connects to the vetted IP literal, so there is no window for DNS rebinding between the
  check and the connect.  TLS still verifies the original hostname because ``httpcore``
  passes the URL host as ``server_hostname`` to ``start_tls``.  Environment proxies are
  ignored (``trust_env=False``); a proxy would make the connect-time check meaningless.
* **Allow-list.**  ``FetchConfig.allow_hosts`` holds exact ``(host, port)`` pairs as
  written in the URL (default port implied).  A match exempts that URL/hop from the
  address check, nothing else.
* **Politeness.**  :func:`acheck_many` (and a :class:`CheckPool`, which the worker's
  batches stream links through) limits concurrent requests per host and spaces
  the requests sent to the same host (every request: HEAD, GET and each redirect hop);
  time spent queueing does not count against a check's deadline nor its ``elapsed_ms``.
* **Bounded work.**  Connect/read timeouts, an overall deadline per check, at most
  ``max_redirects`` hops, and bodies read as a stream and cut at ``max_bytes`` (raw and
  decoded), so an endless body or a gzip bomb cannot slow a check down.

Modules, in dependency order (each imports only from those above it):

- ``config``: :class:`FetchConfig` (limits and identity, from settings), the allow-list;
- ``results``: the vocabulary: :class:`Outcome`, :class:`CheckResult`,
  :class:`FetchedDocument`, :class:`FetchError`;
- ``urls``: :func:`normalize_url` (``Link`` uniqueness) and URLs parsed for requesting;
- ``guard``: the SSRF rules on addresses, hosts and URLs (pure), and :func:`web_address`,
  the check every form taking a URL runs (length, scheme, userinfo, odd IP notations);
- ``transport``: the guarded network backend and client (:func:`build_async_client`);
- ``politeness``: the per-host gate; ``bodies``: bodies read within the cap;
  ``pages``: soft 404s, bot walls, ``Retry-After``;
- ``session``: one check or fetch, redirects followed hop by hop, errors as outcomes;
- ``robots``: robots.txt, read once per origin and batch, for scheduled fetches
  (:class:`RobotsCache`, :class:`RobotsDisallowed`; link checks do not consult it);
- ``checking``: link checks, HEAD then GET, or GET alone where a host's HEAD answers have
  proved pointless (:func:`acheck_url`, :func:`acheck_many`, :class:`CheckPool`,
  :func:`check_url`, :func:`check_many`); ``documents``: :func:`afetch_document`,
  :func:`fetch_document`, and many at once through the politeness gate with robots.txt
  respected (:func:`afetch_documents`, :func:`fetch_documents`: the articles' re-fetch);
  ``posting``: one JSON POST, no redirect followed (:func:`post_json`: webhook deliveries).

Tests that replace a private helper patch the module that looks it up (e.g.
``sources.fetching.transport._resolve``), not this package.
"""

from sources.fetching.checking import CheckPool, acheck_many, acheck_url, check_many, check_url
from sources.fetching.config import (
    DEFAULT_CONTACT_URL,
    DEFAULT_DOCUMENT_MAX_BYTES,
    DEFAULT_USER_AGENT,
    PRODUCT,
    FetchConfig,
    parse_allow_hosts,
)
from sources.fetching.documents import (
    afetch_document,
    afetch_documents,
    fetch_document,
    fetch_documents,
)
from sources.fetching.guard import (
    MAX_URL_LENGTH,
    forbidden_address_reason,
    is_allowed_host,
    parse_host_address,
    url_guard_reason,
    web_address,
)
from sources.fetching.pages import detect_bot_wall, detect_soft_404, parse_retry_after
from sources.fetching.posting import PostResult, apost_json, post_json
from sources.fetching.results import CheckResult, FetchedDocument, FetchError, Outcome
from sources.fetching.robots import RobotsCache, RobotsDisallowed
from sources.fetching.transport import (
    GuardedAsyncClient,
    GuardedNetworkBackend,
    UnsafeAddressError,
    build_async_client,
)
from sources.fetching.urls import InvalidURL, normalize_url

__all__ = [
    "DEFAULT_CONTACT_URL",
    "DEFAULT_DOCUMENT_MAX_BYTES",
    "DEFAULT_USER_AGENT",
    "MAX_URL_LENGTH",
    "PRODUCT",
    "CheckPool",
    "CheckResult",
    "FetchConfig",
    "FetchError",
    "FetchedDocument",
    "GuardedAsyncClient",
    "GuardedNetworkBackend",
    "InvalidURL",
    "Outcome",
    "PostResult",
    "RobotsCache",
    "RobotsDisallowed",
    "UnsafeAddressError",
    "acheck_many",
    "acheck_url",
    "afetch_document",
    "afetch_documents",
    "apost_json",
    "build_async_client",
    "check_many",
    "check_url",
    "detect_bot_wall",
    "detect_soft_404",
    "fetch_document",
    "fetch_documents",
    "forbidden_address_reason",
    "is_allowed_host",
    "normalize_url",
    "parse_allow_hosts",
    "parse_host_address",
    "parse_retry_after",
    "post_json",
    "url_guard_reason",
    "web_address",
]
