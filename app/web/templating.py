"""Rendering pages: one Jinja2 environment, rendered off the event loop.

A board with 2,000 cards takes tens of milliseconds of CPU to render; doing that in a
worker thread keeps the event loop (and every websocket on it) responsive.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.responses import HTMLResponse

from app.board.schemas import CHANNELS, PRIORITIES
from app.web.dates import iso, moment, when

__all__ = ["STATIC_DIR", "TEMPLATES_DIR", "render", "security_headers"]

_HERE = Path(__file__).resolve().parent
TEMPLATES_DIR = _HERE / "templates"
STATIC_DIR = _HERE / "static"

# The pages load nothing from elsewhere and run no inline script or inline style: a card
# title that slipped past escaping could neither execute nor restyle the page. (The
# grid's column and lane counts travel as data attributes; board.js applies them.)
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)


def security_headers() -> dict[str, str]:
    return {
        "Content-Security-Policy": _CSP,
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
        # Pages are personal and carry a CSRF token: never store them in a cache.
        "Cache-Control": "no-store",
    }


@functools.cache
def asset(name: str) -> str:
    """The URL of a static file, versioned by its content so browsers never run stale JS."""
    digest = hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:10]
    return f"/static/{name}?v={digest}"


_env = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    auto_reload=False,
)
_env.globals["asset"] = asset
# The card forms offer the values of the schema's types, not a copy of them.
_env.globals["PRIORITIES"] = PRIORITIES
_env.globals["CHANNELS"] = CHANNELS
_env.filters["when"] = when
_env.filters["iso"] = iso
_env.filters["moment"] = moment


def _render(name: str, context: dict[str, Any]) -> str:
    return _env.get_template(name).render(context)


async def render(
    name: str,
    context: dict[str, Any],
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render a template in a worker thread into an HTML response with security headers."""
    html = await asyncio.to_thread(_render, name, context)
    return HTMLResponse(html, status_code=status, headers={**security_headers(), **(headers or {})})
