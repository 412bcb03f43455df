"""Tell Streamlit's frontend where the server is, so a page's own address loads without a 404.

Opened at a page's address (``/map``), Streamlit's frontend does not know whether ``/map`` is a page
or the path the app is served under, so it first asks ``/map/_stcore/health`` and
``/map/_stcore/host-config`` (404, by design of the server) and only then ``/_stcore/...``: two
404s in the console on every page load (streamlit/streamlit#7074). The frontend skips that guess
when the page that loads it sets ``window.__streamlit.BACKEND_BASE_URL``; this ASGI middleware adds
that one line to the app's HTML (``index.html``, served for every page address). ``serve.py`` runs
the app with it (``streamlit run serve.py``); ``streamlit run app.py`` works as before, 404s included.

Pure ASGI, outside geo/app and importing nothing of the app: ``serve.py`` imports it before
Streamlit's runtime exists, and importing geo.app then would import streamlit-folium too early
(its component would never be registered with the runtime: a 404 for the map's frame). The tests
drive it with a stand-in app.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: The line added to the app's HTML: the server is at the origin's root (no base URL path).
BASE_URL_SCRIPT = b'<script>window.__streamlit={BACKEND_BASE_URL:window.location.origin+"/"}</script>'
#: Paths never rewritten: Streamlit's API and assets, components (their own HTML), static files.
_PASSED = ("/_stcore/", "/static/", "/component/", "/media/")


class BackendBaseUrl:
    """ASGI middleware: every ``GET`` answered with HTML (the app's page) gets
    :data:`BASE_URL_SCRIPT` first in its ``<head>``. Those requests are asked uncompressed, so
    the HTML can be read; everything else passes untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if scope.get("type") != "http" or scope.get("method") != "GET" or any(p in path for p in _PASSED):
            await self.app(scope, receive, send)
            return
        scope = dict(scope, headers=[(k, v) for k, v in scope.get("headers", []) if k.lower() != b"accept-encoding"])
        start: Message = {}
        chunks: list[bytes] = []

        async def rewrite(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)  # held until the body says whether it is HTML
                return
            if message["type"] != "http.response.body" or not start:
                await send(message)
                return
            headers = {bytes(k).lower(): bytes(v) for k, v in start.get("headers", [])}
            if not headers.get(b"content-type", b"").startswith(b"text/html"):
                await send(dict(start))
                start.clear()
                await send(message)
                return
            chunks.append(bytes(message.get("body", b"")))
            if message.get("more_body"):
                return
            html = inject(b"".join(chunks))
            kept = [(k, v) for k, v in start.get("headers", []) if bytes(k).lower() != b"content-length"]
            await send(dict(start, headers=[*kept, (b"content-length", str(len(html)).encode())]))
            start.clear()
            await send({"type": "http.response.body", "body": html, "more_body": False})

        await self.app(scope, receive, rewrite)


def inject(html: bytes) -> bytes:
    """``html`` with :data:`BASE_URL_SCRIPT` right after ``<head>`` (once; unchanged without a head)."""
    if BASE_URL_SCRIPT in html:
        return html
    return html.replace(b"<head>", b"<head>" + BASE_URL_SCRIPT, 1)
