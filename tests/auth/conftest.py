"""The web tests' browser fixtures, for the session and password tests here."""

from __future__ import annotations

from tests.web.conftest import person, signed_in, web_client

__all__ = ["person", "signed_in", "web_client"]
