"""One source for each constant: pages, scripts, the CLI and the API offer the values of
the ``Literal`` types and the one id limit, and no second copy that could drift."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any, get_args

from app.alerts.models import ALL_KINDS, DIRECT_KINDS, KINDS
from app.alerts.schemas import AlertKind
from app.board.schemas import CHANNELS, PRIORITIES, SEGMENTS, Channel, Priority, Segment
from app.cli import _parser
from app.core.params import MAX_ID
from app.web.service import ALERT_LABELS
from tests import factories
from tests.web.helpers import Node, parse

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app"


def _values(select: Node) -> list[str]:
    return [o.attrs["value"] for o in select.find_all("option") if o.attrs.get("value")]


async def _board_page(client: Any, person: Any, signed_in: Any) -> Node:
    lead = await person(role="lead")
    board = await factories.create_board(client, name="Constants desk")
    await factories.add_member(client, board["id"], lead["id"], role="lead")
    r = await (await signed_in(lead)).get(f"/boards/{board['id']}")
    assert r.status_code == 200
    return parse(r.text)


# -- alert kinds -------------------------------------------------------------------


def test_the_alert_kind_lists_are_the_type_s_values():
    assert get_args(AlertKind) == ALL_KINDS
    assert set(KINDS) | set(DIRECT_KINDS) == set(ALL_KINDS)
    assert not set(KINDS) & set(DIRECT_KINDS)
    assert list(ALERT_LABELS) == list(get_args(AlertKind))


async def test_the_board_page_hands_the_script_a_name_for_every_alert_kind(
    client, person, signed_in
):
    page = await _board_page(client, person, signed_in)
    meta = json.loads(page.find("script", id="board-meta").text())
    assert meta["alert_labels"] == ALERT_LABELS
    assert sorted(meta["alert_labels"]) == sorted(get_args(AlertKind))  # tojson sorts


def test_no_script_keeps_its_own_copy_of_the_alert_names():
    for script in (APP / "web/static").glob("*.js"):
        source = script.read_text()
        copied = [name for name in ALERT_LABELS.values() if f'"{name}"' in source]
        assert not copied, (script.name, copied)


# -- channels, priorities and segments ---------------------------------------------


def test_the_lists_are_the_type_s_values():
    assert get_args(Priority) == PRIORITIES
    assert get_args(Channel) == CHANNELS
    assert get_args(Segment) == SEGMENTS


async def test_the_card_forms_offer_the_type_s_values(client, person, signed_in):
    page = await _board_page(client, person, signed_in)
    create = page.find("form", id="create-card")
    assert _values(create.find("select", name="priority")) == list(PRIORITIES)
    assert _values(create.find("select", name="channel")) == list(CHANNELS)
    edit = page.find("form", id="card-edit")
    assert _values(edit.find("select", name="priority")) == list(PRIORITIES)


def _choices(parser: argparse.ArgumentParser, *path: str) -> dict[str, list[str]]:
    for name in path:
        [sub] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        parser = sub.choices[name]
    return {a.dest: list(a.choices) for a in parser._actions if a.choices is not None}


def test_the_cli_offers_the_type_s_values():
    export = _choices(_parser(), "export")
    assert export["channel"] == list(CHANNELS)
    assert export["priority"] == list(PRIORITIES)
    assert export["segment"] == list(SEGMENTS)


def _enums(schema: dict[str, Any]) -> list[Any]:
    for option in [schema, *schema.get("anyOf", [])]:
        if "enum" in option:
            return list(option["enum"])
    raise AssertionError(f"no enum in {schema}")


async def test_the_api_filters_accept_the_type_s_values(client):
    spec = (await client.get("/openapi.json")).json()
    expected = {"channel": list(CHANNELS), "priority": list(PRIORITIES), "segment": list(SEGMENTS)}
    seen = 0
    for path in spec["paths"].values():
        for operation in path.values():
            for param in operation.get("parameters", []):
                if param["in"] == "query" and param["name"] in expected:
                    assert _enums(param["schema"]) == expected[param["name"]], param
                    seen += 1
    assert seen >= 3


# -- the 32-bit id limit -------------------------------------------------------------

_LIMIT = re.compile(r"2_?147_?483_?64[78]|2\s*\*\*\s*31|0x7fffffff", re.I)


def test_the_id_limit_is_written_out_once():
    found = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in sorted([*APP.rglob("*.py"), *APP.rglob("*.js"), *APP.rglob("*.html")])
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if _LIMIT.search(line)
    ]
    assert len(found) == 1 and found[0].startswith("app/core/params.py:"), found
    assert MAX_ID == 2**31 - 1


async def test_every_id_in_a_path_is_bounded_by_the_one_limit(client):
    spec = (await client.get("/openapi.json")).json()
    bounded = 0
    for path in spec["paths"].values():
        for operation in path.values():
            for param in operation.get("parameters", []):
                if param["in"] == "path" and param["schema"].get("type") == "integer":
                    assert param["schema"].get("maximum") == MAX_ID, param
                    bounded += 1
    assert bounded > 10
