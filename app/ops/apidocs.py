"""``GET /docs``: Swagger UI from files shipped in a Python package, under the strict CSP.

FastAPI's own ``/docs`` loads Swagger UI from a CDN and starts it with an inline
script, both of which the app's Content-Security-Policy (``script-src 'self'``)
refuses, so the page stayed blank. Here the page loads Swagger UI's files from
``/docs/assets`` (the ``swagger-ui-bundle-v2`` package's copy of the Swagger UI
distribution) and starts it with ``swarmboard-docs.js``, a static file of ours served from
the same mount: nothing inline, nothing from elsewhere, the default policy unchanged.
ReDoc (which FastAPI also loads from a CDN) is not served.
"""

from __future__ import annotations

from html import escape

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]  # no py.typed

__all__ = ["ASSETS", "install_api_docs"]

ASSETS = "/docs/assets"

_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title} API</title>
  <link rel="stylesheet" href="{assets}/swagger-ui.css">
  <link rel="icon" type="image/png" href="{assets}/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui" data-openapi-url="{openapi_url}"></div>
  <script src="{assets}/swagger-ui-bundle.js"></script>
  <script src="{assets}/swarmboard-docs.js"></script>
</body>
</html>
"""


def install_api_docs(app: FastAPI) -> None:
    """Serve ``/docs`` and its files (build the app with ``docs_url=None``)."""
    page = _PAGE.format(
        title=escape(app.title),
        assets=ASSETS,
        openapi_url=escape(app.openapi_url or "/openapi.json"),
    )
    # Swagger UI's distribution first, then our start-up script.
    files = StaticFiles(directory=str(swagger_ui_path), packages=[("app.ops", "static")])
    app.mount(ASSETS, files, name="api-docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def api_docs() -> HTMLResponse:
        """The API reference, browsable and tryable (same origin, same credentials)."""
        return HTMLResponse(page)
