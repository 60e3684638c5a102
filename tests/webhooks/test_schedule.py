"""One retry figure: computed from the schedule, and the only one the docs and the page state."""

from __future__ import annotations

import re
from pathlib import Path

from app.webhooks.schedule import default_delays, describe, give_up, retry_seconds, steps

ROOT = Path(__file__).resolve().parents[2]
DOCS = ("README.md", "docs/webhooks.md", "docs/deploy.md")
# "retried for about a day", "retries failures for about 27.6 hours", "over about 3 days"
_CLAIM = re.compile(
    r"(?:retr\w*(?: failures)?(?: for)?|over) about ([0-9.]+ \w+|a day[\w ]*|\w+ days)"
)


def test_the_default_schedule_retries_for_about_27_6_hours():
    delays = default_delays()
    assert retry_seconds(delays) == 5 + 300 + 1800 + 7200 + 18000 + 36000 + 36000
    assert describe(delays) == "about 27.6 hours"
    assert steps(delays) == "5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h"
    assert describe([0, 30, 60]) == "about 90 seconds"
    assert describe([0, 600, 1800]) == "about 40 minutes"


def test_every_document_states_the_computed_retry_time_and_no_other():
    figure = describe(default_delays()).removeprefix("about ")
    stated: dict[str, list[str]] = {}
    for name in DOCS:
        text = " ".join((ROOT / name).read_text().split())  # claims wrap across lines
        stated[name] = _CLAIM.findall(text)
    assert stated["README.md"] == [figure]
    assert stated["docs/webhooks.md"] == [figure]
    assert all(found in ([], [figure]) for found in stated.values()), stated
    guide = " ".join((ROOT / "docs/webhooks.md").read_text().split())
    assert f"retried after {steps(default_delays())}" in guide


def test_the_give_up_time_is_stated_from_its_constant_alone():
    assert give_up() == "3 days"
    templates = ROOT / "app/web/templates"
    for name in ("webhooks.html", "_endpoint.html"):
        source = (templates / name).read_text()
        assert "{{ give_up }}" in source, name
        # A second copy of the figure, in digits or in words, would drift from the code.
        assert not re.search(r"\b(?:\d+|one|two|three|four|five|six|seven) days?\b", source)
    for name in ("README.md", "docs/webhooks.md"):
        text = " ".join((ROOT / name).read_text().split())
        assert re.findall(r"(?:fails|failed) for (\S+ days?)\b", text) == [give_up()], name
