"""Small HTTP GETs of the live connectors (stdlib urllib: no client library needed)."""
from __future__ import annotations

import urllib.error
import urllib.request

import orjson

USER_AGENT = "cluetrain/0.1 (live connector)"


def get_json(url: str, *, timeout: float, token: str | None = None):
    """The decoded JSON body; raises urllib.error.HTTPError (with .code) or OSError."""
    request = urllib.request.Request(url, headers=headers(token))
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return orjson.loads(response.read())


def headers(token: str | None = None, **extra: str) -> dict[str, str]:
    out = {"User-Agent": USER_AGENT, **extra}
    if token:
        out["Authorization"] = f"Bearer {token}"
    return out


def error_detail(exc: urllib.error.HTTPError) -> str:
    """`401 Unauthorized: <the server's error message>` (first 200 characters)."""
    try:
        body = orjson.loads(exc.read())
        message = body.get("message") or body.get("error") if isinstance(body, dict) else None
    except (orjson.JSONDecodeError, OSError, ValueError):
        message = None
    return f"{exc.code} {exc.reason}" + (f": {str(message)[:200]}" if message else "")
