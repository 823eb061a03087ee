"""Text for spreadsheets: every CSV export of the app is written here, so that no cell is
ever run as a formula.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage
return before one) as a formula, which can reach the network or the machine (DDE). The cell
``Mallory;=1+1`` is safe where the file is read split on commas, but a spreadsheet set to split
on semicolons (the usual setting where the decimal separator is a comma) or on tabs makes
``=1+1`` a cell of its own. So:

- every cell is quoted (``csv.QUOTE_ALL``);
- text that starts like a formula, or any part of it that does after a separator (``,`` ``;``
  tab, line end, and any spaces that follow), gets a ``'`` in front, which spreadsheets show
  as text and do not run;
- numbers the app itself writes (amounts, counts, positions) are written as numbers: a
  negative amount (a credit note's ``-120.00``) is a value, not a formula, and an accounts
  program must read it as a number. Only text typed by people passes through :func:`safe_cell`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

# What a spreadsheet reads as the start of a formula (or a DDE command).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# A formula character at the start of the text, after any blanks.
_LEADING = re.compile(r"[\t\r]|\s*[=+\-@]")
# A separator some spreadsheet splits cells on, any blanks, then a formula character.
_AFTER_SEPARATOR = re.compile(r"([,;\t\r\n]\s*)(?=[=+\-@])")

Cell = str | int | Decimal | date | datetime | None


def safe_cell(value: str) -> str:
    """Text that a spreadsheet shows, never runs, however it splits the line into cells."""
    value = _AFTER_SEPARATOR.sub(r"\1'", value)
    return "'" + value if _LEADING.match(value) else value


def cell_text(value: Cell) -> str:
    """One cell of a CSV: numbers and dates as the app wrote them, text made safe."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal | int):
        return str(value)
    return safe_cell(value)


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    """UTF-8 with a byte-order mark (so Excel reads accents right), CRLF line ends, every cell
    quoted; the header is text too (it names questions as organisers typed them)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)
    writer.writerow([safe_cell(str(label)) for label in header])
    for row in rows:
        writer.writerow([cell_text(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
