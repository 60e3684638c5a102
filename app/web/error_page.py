"""The styled error page for a browser that asked for a page which cannot be shown.

``app.core.errors`` and the NUL guard call :func:`error_page` (installed as
``app.state.error_page``) for a mistyped address (404), a method a page does not take
(405) or a refused input (422), so a person sees the site and a way home instead of
raw JSON. It does not look up who is signed in: it answers without the database.
"""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response

from app.web.templating import render

__all__ = ["error_page"]


async def error_page(request: Request, status: int, title: str, message: str) -> Response:
    """The error page with ``status``, a message and a link back to the boards."""
    context = {"title": title, "user": None, "csrf": "", "status": status, "message": message}
    return await render("error.html", context, status=status)
