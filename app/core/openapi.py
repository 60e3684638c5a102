"""The OpenAPI document: every operation documents its errors as problem+json.

FastAPI documents only the success response and a 422 in its own
``HTTPValidationError`` shape, which is not what the API sends. Consumers (and the
schemathesis run in CI) read the document to know what can come back, so every
operation gets the real error contract: a 422 and any other 4xx as RFC 9457 problem
details, with one shared ``Problem`` schema.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from app.core.errors import PROBLEM_BASE

__all__ = ["PROBLEM_MEDIA_TYPE", "install_openapi", "problem_content"]

PROBLEM_MEDIA_TYPE = "application/problem+json"
_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}

_FIELD_ERROR: dict[str, Any] = {
    "type": "object",
    "title": "FieldError",
    "properties": {
        "field": {"type": "string", "description": "The field path, dot-separated"},
        "in": {"type": "string", "description": "body, query, path or header"},
        "message": {"type": "string"},
    },
    "required": ["field", "in", "message"],
}

_PROBLEM: dict[str, Any] = {
    "type": "object",
    "title": "Problem",
    "description": (
        "RFC 9457 problem details. `type` is stable (a URI under "
        f"{PROBLEM_BASE}, e.g. `wip-limit-exceeded`); `detail` is for people. Some "
        "problems add members, such as `errors` (invalid fields) or `missing`."
    ),
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "errors": {"type": "array", "items": {"$ref": "#/components/schemas/FieldError"}},
    },
    "required": ["type", "title", "status", "detail"],
    "additionalProperties": True,
}

_CLIENT_ERROR = (
    "A client error as problem details: 400 unreadable body, 401 no or bad credentials, "
    "403 role too low, 404 no such resource or not a member, 409 conflict (e.g. a WIP "
    "limit), 412 stale If-Match, 413 body too large, 415 unsupported media type, "
    "428 If-Match required, 429 too many attempts."
)


def problem_content() -> dict[str, Any]:
    """The ``content`` of a documented problem+json response."""
    return {PROBLEM_MEDIA_TYPE: {"schema": dict(_PROBLEM_REF)}}


def _document_errors(operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    for code, response in list(responses.items()):
        content = response.get("content", {})
        if code == "422" and "application/json" in content:
            # FastAPI's default 422 shape; ours is a problem with `errors`.
            responses[code] = {
                "description": "The request breaks a rule; `errors` lists the fields",
                "content": problem_content(),
            }
        elif PROBLEM_MEDIA_TYPE in content:
            content[PROBLEM_MEDIA_TYPE] = {"schema": dict(_PROBLEM_REF)}
    responses.setdefault(
        "422",
        {
            "description": "The request breaks a rule; `errors` lists the fields",
            "content": problem_content(),
        },
    )
    responses.setdefault("4XX", {"description": _CLIENT_ERROR, "content": problem_content()})


def install_openapi(app: FastAPI) -> None:
    """Serve an OpenAPI document whose errors are the problem+json the API sends."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        doc = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        for path_item in doc.get("paths", {}).values():
            for operation in path_item.values():
                _document_errors(operation)
        schemas = doc.setdefault("components", {}).setdefault("schemas", {})
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
        schemas["Problem"] = _PROBLEM
        schemas["FieldError"] = _FIELD_ERROR
        app.openapi_schema = doc
        return doc

    app.openapi = openapi  # type: ignore[method-assign]
