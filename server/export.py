"""CSV downloads: UTF-8 with a byte-order mark, so spreadsheet programs read Chinese."""

import csv
import io
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from litestar import Response

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """A value as a spreadsheet's text: what a caller typed never starts a formula."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value  # what a caller typed never runs as a spreadsheet formula
    return "" if value is None else str(value)


def csv_download(columns: list[str], rows: Iterable[Iterable[Any]], filename: str) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    writer.writerows([csv_cell(value) for value in row] for row in rows)
    return Response(
        content="\ufeff" + out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )
