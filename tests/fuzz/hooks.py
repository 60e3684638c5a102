"""Schemathesis hooks for the CI fuzz run: aim path ids at real objects.

Random ids almost always answer 404, which only proves the lookup. Three cases in four
get an id of a real object of that kind from the seeded demo board (listed in the JSON
file named by ``SB_FUZZ_IDS``), so bodies and queries reach the business rules; the
rest keep the generated id. The admin's own user and token are never targeted: the run
would sign itself out (revoking its token, deactivating it or resetting its password),
and every later case would only test a 401. ``POST /api/users/me/password`` cannot
change the admin's password either: the run's admin has none, so it is always refused.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import schemathesis

_IDS: dict[str, Any] = json.loads(Path(os.environ["SB_FUZZ_IDS"]).read_text(encoding="utf-8"))


@schemathesis.hook
def map_case(context: Any, case: Any) -> Any:
    params = case.path_parameters
    if not params:
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
