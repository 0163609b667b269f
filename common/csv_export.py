"""The one CSV writer: every export (dashboard download, ``newswatch export``) goes through it.

Scraped text is hostile: a cell starting with ``=``, ``+``, ``-``, ``@``, tab or CR is
run as a formula by spreadsheets (CSV injection), so such text cells get a leading quote.
Numbers stay numbers (``-2`` as an int is not a formula); datetimes are ISO 8601.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import IO, Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def formula_guard(value: Any) -> Any:
    """A text value that a spreadsheet would evaluate, quoted; anything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_cell(value: Any) -> str:
    """A value as a CSV cell that spreadsheets show as text, never evaluate."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    return str(formula_guard(value))


def write_csv(out: IO[str], header: list[str], rows: Iterable[Iterable[Any]]) -> int:
    """Write the header and the guarded rows to ``out``; return the number of rows."""
    writer = csv.writer(out)
    writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
        count += 1
    return count


def write_records(out: IO[str], fields: list[str], records: Iterable[Mapping[str, Any]]) -> int:
    """Mappings as rows of ``fields`` (other keys ignored, missing ones empty)."""
    return write_csv(out, fields, ([record.get(field) for field in fields] for record in records))


def to_csv(header: list[str], rows: Iterable[Iterable[Any]]) -> str:
    buffer = io.StringIO()
    write_csv(buffer, header, rows)
    return buffer.getvalue()
