"""What the command line says to the operator, in the log format of the process.

In JSON mode (``SWARMBOARD_LOG_FORMAT=json``, the default) every line ``swarmboard
serve`` and ``swarmboard db upgrade`` write, on stdout and stderr, is one JSON object:
the CLI's own messages (here), log records (:mod:`app.ops.logging`) and uncaught
exceptions (:func:`app.ops.logging.configure_logging` installs the hooks). In text mode
the CLI's messages are the plain lines people read.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Literal

from app.ops.logging import JsonFormatter

__all__ = ["CLI_LOGGER", "Console"]

CLI_LOGGER = "swarmboard.cli"


class Console:
    """Prints the CLI's messages as plain lines or as JSON objects shaped like log lines."""

    def __init__(self, fmt: Literal["json", "text"]) -> None:
        self.fmt = fmt
        self._formatter = JsonFormatter()

    def say(
        self,
        text: str,
        *,
        err: bool = False,
        level: int = logging.INFO,
        **fields: str | int,
    ) -> None:
        """``text`` on stdout (stderr with ``err``).

        In JSON mode ``fields`` are added to the object as they are (the message itself
        is redacted like every log line): a value the operator must read, such as a
        token generated for the demo, goes in a field.
        """
        stream = sys.stderr if err else sys.stdout
        if self.fmt == "text":
            print(text, file=stream, flush=True)
            return
        record = logging.LogRecord(CLI_LOGGER, level, __file__, 0, text, None, None)
        entry = json.loads(self._formatter.format(record))
        entry.update(fields)
        print(json.dumps(entry, ensure_ascii=False), file=stream, flush=True)
