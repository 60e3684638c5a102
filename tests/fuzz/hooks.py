"""Schemathesis hooks for the CI fuzz run: aim path ids at real objects, and put NUL in
text.

Random ids almost always answer 404, which only proves the lookup. Three cases in four
get an id of a real object of that kind from the seeded demo board (listed in the JSON
file named by ``SB_FUZZ_IDS``), so bodies and queries reach the business rules; the
rest keep the generated id. The admin's own user and token are never targeted: the run
would sign itself out (revoking its token, deactivating it or resetting its password),
and every later case would only test a 401. ``POST /api/users/me/password`` cannot
change the admin's password either: the run's admin has none, so it is always refused.

Just before it is sent, one case in ``NUL_EVERY`` that has a string in its query, path
or JSON body gets a NUL (U+0000) in one of them, in turn: PostgreSQL cannot store NUL
in text, and such input must be a 422, never a 500. Every request that carried a NUL
and its answer is written to the file named by ``SB_FUZZ_NUL_LOG``.
"""

from __future__ import annotations

import itertools
import json
import os
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import schemathesis

_IDS: dict[str, Any] = json.loads(Path(os.environ["SB_FUZZ_IDS"]).read_text(encoding="utf-8"))
# Every NUL_EVERY-th case that has text somewhere gets a NUL in one of its strings.
NUL_EVERY = 5
_NUL_LOG = os.environ.get("SB_FUZZ_NUL_LOG")
_cases = itertools.count()
_lock = threading.Lock()


def _stateful(case: Any) -> bool:
    meta = getattr(case, "meta", None)
    return meta is not None and str(meta.phase.name) == "stateful"


def _aim_at_real_objects(case: Any) -> Any:
    params = case.path_parameters
    # A stateful step's ids come from the responses before it (the object it just
    # created): aiming them elsewhere would make "created, then not found" out of
    # nothing (a policy of another board, say).
    if not params or _stateful(case):
        return case
    for name, value in list(params.items()):
        real: list[int] = _IDS["ids"].get(name, [])
        if not real or not isinstance(value, int) or isinstance(value, bool):
            continue
        protected = (name == "user_id" and value == _IDS["admin_user_id"]) or (
            name == "token_id" and value in _IDS["protected_token_ids"]
        )
        if value % 4 != 0:
            params[name] = real[value % len(real)]
        elif protected:
            params[name] = real[0]
    return case


def _text_slots(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Where a string sits in a JSON value, as key paths."""
    if isinstance(value, str):
        return [path]
    if isinstance(value, dict):
        return [slot for k, v in value.items() for slot in _text_slots(v, (*path, k))]
    if isinstance(value, list):
        return [slot for i, v in enumerate(value) for slot in _text_slots(v, (*path, i))]
    return []


def _with_nul(value: Any, path: tuple[Any, ...]) -> Any:
    if not path:
        return value[:1] + "\x00" + value[1:]
    value[path[0]] = _with_nul(value[path[0]], path[1:])
    return value


def _add_nul(case: Any) -> None:
    """A NUL in one string of the query, the path or a JSON body (chosen in turn)."""
    places: list[tuple[str, tuple[Any, ...]]] = [
        (where, slot)
        for where, value in (("query", case.query), ("path", case.path_parameters))
        if isinstance(value, dict)
        for slot in _text_slots(value)
        if len(slot) == 1
    ]
    if case.media_type == "application/json" and case.body is not None:
        places += [("body", slot) for slot in _text_slots(case.body)]
    if not places:
        return
    with _lock:
        n = next(_cases)
    if n % NUL_EVERY != 0:
        return
    where, slot = places[(n // NUL_EVERY) % len(places)]
    if where == "body":
        case.body = _with_nul(case.body, slot)
    else:
        container = case.query if where == "query" else case.path_parameters
        _with_nul(container, slot)


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False


@schemathesis.hook
def map_case(context: Any, case: Any) -> Any:
    return _aim_at_real_objects(case)


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    # Not when the case checks an undeclared method: that must stay a 405.
    if case.method.upper() == case.operation.method.upper():
        _add_nul(case)


@schemathesis.hook
def after_call(context: Any, case: Any, response: Any) -> None:
    """Every request that carried a NUL (ours, or one the fuzzer made) and its answer,
    one JSON line each in ``SB_FUZZ_NUL_LOG``, for the test to check."""
    # The query as sent, not as generated: a NUL the fuzzer nests inside a dict-valued
    # parameter is dropped by the client's encoding and never reaches the server.
    sent = getattr(getattr(response, "request", None), "url", None)
    query = urlsplit(str(sent)).query if sent is not None else ""
    where = [
        name
        for name, value in (
            ("query", "\x00" if "%00" in query or "\x00" in query else None),
            ("path", case.path_parameters),
            ("body", case.body if case.media_type == "application/json" else None),
        )
        if _holds_nul(value)
    ]
    if not where or _NUL_LOG is None:
        return
    line = {
        "operation": f"{case.method.upper()} {case.path}",
        "where": where,
        "status": response.status_code,
        "content_type": (response.headers.get("content-type") or [""])[0],
    }
    with _lock, open(_NUL_LOG, "a", encoding="utf-8") as log:
        log.write(json.dumps(line) + "\n")
