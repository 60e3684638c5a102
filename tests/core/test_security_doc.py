"""docs/security.md names a test for every control: each named test must exist."""

from __future__ import annotations

import re

from tests.conftest import ROOT

_REF = re.compile(r"`([a-z_/]+\.py)?(::[a-z0-9_]+)?`")


def test_every_test_the_security_page_names_exists() -> None:
    text = (ROOT / "docs" / "security.md").read_text()
    checked = 0
    last_file: str | None = None
    for match in _REF.finditer(text):
        file, test = match.groups()
        if not file and not test:
            continue
        last_file = file or last_file
        assert last_file is not None, f"{test} names no file"
        path = ROOT / "tests" / last_file
        assert path.is_file(), f"docs/security.md names {path}, which does not exist"
        if test:
            assert re.search(rf"def {test[2:]}\(", path.read_text()), (
                f"docs/security.md names {last_file}{test}, which does not exist"
            )
        checked += 1
    assert checked >= 40  # the page lists every control with its proof
