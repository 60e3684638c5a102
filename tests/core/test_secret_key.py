"""The signing key: never a published placeholder; generated once, on disk, when unset."""

from __future__ import annotations

import logging
import stat
import subprocess
import sys
import time

import pytest
from pydantic import ValidationError

from app.core.config import Settings
from app.main import create_app
from tests.conftest import ROOT

PLACEHOLDERS = ["dev-secret-change-me", "changeme", "change-me", "secret", "CHANGEME", "..."]


@pytest.mark.parametrize("environment", ["development", "test", "production"])
@pytest.mark.parametrize("key", PLACEHOLDERS)
def test_a_placeholder_key_is_refused_in_every_environment(environment, key, tmp_path):
    with pytest.raises(ValidationError, match="SWARMBOARD_SECRET_KEY"):
        Settings(environment=environment, secret_key=key, data_dir=str(tmp_path))


def test_without_a_key_one_is_generated_once_kept_private_and_reused(tmp_path, caplog):
    data = tmp_path / "data"
    caplog.set_level(logging.INFO, logger="app.core.secret")
    first = Settings(environment="production", data_dir=str(data))
    assert first.secret_key == ""  # nothing published stands in for it
    key = first.signing_key

    path = data / "secret_key"
    assert path.read_text().strip() == key and len(key) >= 64
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    generated = [r for r in caplog.records if "generated a random secret key" in r.message]
    assert len(generated) == 1 and str(path) in generated[0].getMessage()

    # A restart (a new settings object) reads the same key and says nothing more.
    assert Settings(environment="production", data_dir=str(data)).signing_key == key
    assert len([r for r in caplog.records if "generated" in r.message]) == 1
    # Another data directory gets its own, different key.
    assert Settings(data_dir=str(tmp_path / "other")).signing_key != key


def test_a_configured_key_is_used_and_no_file_is_written(tmp_path):
    settings = Settings(secret_key="a-real-configured-secret", data_dir=str(tmp_path))
    assert settings.signing_key == "a-real-configured-secret"
    assert not (tmp_path / "secret_key").exists()


def test_processes_starting_together_agree_on_one_key(tmp_path):
    data, go = tmp_path / "data", tmp_path / "go"
    script = (
        "import os, sys, time\n"
        "from pathlib import Path\n"
        "from app.core.config import Settings\n"
        f"while not Path({str(go)!r}).exists(): time.sleep(0.001)\n"
        f"print(Settings(data_dir={str(data)!r}).signing_key)\n"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
        )
        for _ in range(8)
    ]
    time.sleep(1)  # let every process import and wait at the line
    go.touch()
    outputs = [p.communicate(timeout=60) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err for _, err in outputs]
    keys = {out.strip() for out, _ in outputs}
    assert len(keys) == 1
    assert (data / "secret_key").read_text().strip() == keys.pop()
    # Exactly one of them generated it (and said so); no temporary files are left.
    assert sum("generated a random secret key" in err for _, err in outputs) == 1
    assert [p.name for p in data.iterdir()] == ["secret_key"]


async def test_the_app_makes_its_key_on_first_start(migrated_url, tmp_path):
    settings = Settings(environment="test", database_url=migrated_url, data_dir=str(tmp_path))
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        assert (tmp_path / "secret_key").exists()
        assert app.state.settings.signing_key == (tmp_path / "secret_key").read_text().strip()
