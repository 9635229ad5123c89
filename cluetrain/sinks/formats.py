"""Query results (column names, Python rows) rendered as ClickHouse's text formats.

`cluetrain query --format` renders here on both backends, so one query prints the same
bytes on chdb and on a server: values as ClickHouse writes them (DateTime as
`YYYY-MM-DD hh:mm:ss` UTC, NULL as `\\N` in CSV/TSV, strings quoted in CSV). A FORMAT
clause of another name is ClickHouse's own business: chdb renders it, a server needs
its HTTP interface (the native protocol carries no text format).
"""
from __future__ import annotations

import io
import json
from datetime import date, datetime, timezone
from typing import Callable, Sequence

# --format choice -> ClickHouse format name (csv and tsv carry a header line)
FORMAT_CHOICES = {"csv": "CSVWithNames", "tsv": "TSVWithNames", "JSONEachRow": "JSONEachRow", "Parquet": "Parquet"}


def _text(value) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc)
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _csv_cell(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return repr(value)
    return '"' + _text(value).replace('"', '""') + '"'


def _tsv_cell(value) -> str:
    if value is None:
        return "\\N"
    text = _text(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def _json_value(value):
    if isinstance(value, (datetime, date)):
        return _text(value)
    return value


def _lines(cell: Callable, sep: str, header: bool) -> Callable:
    def render(columns: Sequence[str], rows: Sequence[Sequence]) -> bytes:
        lines = [sep.join(cell(c) for c in columns)] if header else []
        lines += [sep.join(cell(v) for v in row) for row in rows]
        return "".join(line + "\n" for line in lines).encode()
    return render


def _json_each_row(columns: Sequence[str], rows: Sequence[Sequence]) -> bytes:
    return "".join(json.dumps(dict(zip(columns, map(_json_value, row))), ensure_ascii=False, separators=(",", ":")) + "\n"
                   for row in rows).encode()


def _parquet(columns: Sequence[str], rows: Sequence[Sequence]) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({name: [row[i] for row in rows] for i, name in enumerate(columns)})
    out = io.BytesIO()
    pq.write_table(table, out)
    return out.getvalue()


RENDERERS: dict[str, Callable[[Sequence[str], Sequence[Sequence]], bytes]] = {
    "CSV": _lines(_csv_cell, ",", header=False),
    "CSVWithNames": _lines(_csv_cell, ",", header=True),
    "TSV": _lines(_tsv_cell, "\t", header=False),
    "TabSeparated": _lines(_tsv_cell, "\t", header=False),
    "TSVWithNames": _lines(_tsv_cell, "\t", header=True),
    "TabSeparatedWithNames": _lines(_tsv_cell, "\t", header=True),
    "JSONEachRow": _json_each_row,
    "Parquet": _parquet,
}


def render(format_name: str, columns: Sequence[str], rows: Sequence[Sequence]) -> bytes:
    try:
        renderer = RENDERERS[format_name]
    except KeyError:
        raise ValueError(f"format {format_name} is not available here: use one of {', '.join(RENDERERS)}") from None
    return renderer(columns, rows)
