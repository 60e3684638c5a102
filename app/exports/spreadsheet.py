"""CSV cells that a spreadsheet will not run as formulas (OWASP "CSV injection").

Card titles, products, lanes and column names come from customers and agents; a cell
such as ``=1+1`` or ``+1+cmd|' /C calc'!A0`` would be evaluated by Excel, LibreOffice
or Google Sheets when the export is opened. Following OWASP's rule, every cell that
begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with a
single quote, which spreadsheets show as text. There is no exception for negative
numbers (OWASP escapes every such cell): no numeric cell Swarmboard exports can be
negative, so the rule costs nothing and a cell is never judged by its content.

Every CSV export writes its rows through :func:`writer`; quoting (commas, quotes,
newlines) is the ``csv`` module's RFC 4180 quoting on top of this.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import IO

__all__ = ["TRIGGERS", "SafeWriter", "neutralise", "writer"]

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> str:
    """The cell as text, prefixed with ``'`` when it begins with a formula trigger."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(TRIGGERS) else text


class SafeWriter:
    """A ``csv.writer`` (CRLF line ends) whose every cell goes through :func:`neutralise`."""

    __slots__ = ("_out",)

    def __init__(self, stream: IO[str]) -> None:
        self._out = csv.writer(stream, lineterminator="\r\n")

    def writerow(self, row: Iterable[object]) -> None:
        self._out.writerow([neutralise(cell) for cell in row])


def writer(stream: IO[str]) -> SafeWriter:
    """The one way Swarmboard writes CSV rows."""
    return SafeWriter(stream)
