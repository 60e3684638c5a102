"""A configured but unreachable PostgreSQL fails the test run; it never skips."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT, free_port


def test_unreachable_postgres_fails_the_run_with_a_clear_message():
    closed_port = free_port()  # nothing listens there once the probe socket is closed
    env = {
        **os.environ,
        "SWARMBOARD_TEST_DATABASE_URL": f"postgresql+asyncpg://postgres@127.0.0.1:{closed_port}/test",
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/core/test_migrations.py",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "PostgreSQL is unreachable" in result.stdout + result.stderr
    assert "skipped" not in result.stdout
