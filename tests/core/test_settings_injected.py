"""Settings reach services only by injection: a session no Database opened has none."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from app.core.config import Settings
from app.core.db import settings_of


def test_a_session_without_settings_is_refused_not_filled_from_the_environment():
    with Session(create_engine("sqlite://")) as session, pytest.raises(RuntimeError):
        settings_of(session)


def test_a_session_gets_the_settings_it_was_given(monkeypatch):
    given = Settings(public_url="https://given.example")
    monkeypatch.setenv("SWARMBOARD_PUBLIC_URL", "https://environment.example")
    with Session(create_engine("sqlite://"), info={"settings": given}) as session:
        assert settings_of(session).public_url == "https://given.example"


def test_the_readme_table_names_every_setting_and_no_other():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    rows = re.findall(r"^\| (`SWARMBOARD_[^|]*)\|", readme, re.M)
    named = {n.lower() for row in rows for n in re.findall(r"`SWARMBOARD_([A-Z0-9_]+)`", row)}
    assert named == set(Settings.model_fields)
