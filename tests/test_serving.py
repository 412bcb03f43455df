"""geo.serving: the app's HTML tells Streamlit's frontend where the server is (issue 14, point 10),
driven with a stand-in ASGI app."""

from __future__ import annotations

import asyncio
import concurrent.futures
from typing import Any

from geo.serving import BASE_URL_SCRIPT, BackendBaseUrl, inject

HTML = b"<!doctype html><html><head><title>x</title></head><body></body></html>"


def _serve(path: str, body_chunks: list[bytes], content_type: bytes, method: str = "GET") -> tuple[dict, bytes, list]:
    """Run the middleware around an app answering ``body_chunks``; what the client gets, and the
    request headers the app saw."""
    seen: list = []

    async def inner(scope: dict, receive: Any, send: Any) -> None:
        seen.extend(scope.get("headers", []))
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", content_type),
                                (b"content-length", str(sum(map(len, body_chunks))).encode())]})
        for i, chunk in enumerate(body_chunks):
            await send({"type": "http.response.body", "body": chunk, "more_body": i < len(body_chunks) - 1})

    sent: list[dict] = []

    async def send(message: dict) -> None:
        sent.append(message)

    async def receive() -> dict:
        return {"type": "http.request"}

    scope = {"type": "http", "method": method, "path": path, "headers": [(b"accept-encoding", b"gzip")]}
    # In a thread of its own: the browser tests' playwright keeps an event loop running in this one.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, BackendBaseUrl(inner)(scope, receive, send)).result(timeout=30)
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start, body, seen


def test_the_page_html_gets_the_base_url_once_with_its_length():
    start, body, seen = _serve("/map", [HTML[:20], HTML[20:]], b"text/html")
    assert body == inject(HTML) and body.count(BASE_URL_SCRIPT) == 1 and body.index(BASE_URL_SCRIPT) < body.index(b"<title>")
    assert dict(start["headers"])[b"content-length"] == str(len(body)).encode()
    assert (b"accept-encoding", b"gzip") not in seen  # asked uncompressed, so it can be read
    assert inject(inject(HTML)) == inject(HTML)


def test_everything_else_passes_untouched():
    for path, kind, method in (("/static/js/index.js", b"text/javascript", "GET"),
                               ("/_stcore/health", b"text/plain", "GET"),
                               ("/component/streamlit_folium.st_folium/index.html", b"text/html", "GET"),
                               ("/map", b"text/html", "HEAD"),
                               ("/app/static/vendor/leaflet.js", b"text/javascript", "GET")):
        start, body, seen = _serve(path, [HTML], kind, method)
        assert body == HTML and (b"accept-encoding", b"gzip") in seen, path
    start, body, _ = _serve("/data.json", [b"{}"], b"application/json")
    assert body == b"{}" and dict(start["headers"])[b"content-length"] == b"2"
