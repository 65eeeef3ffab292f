"""A Batch's data set: CSV, TSV, JSONL, XLSX, Parquet or pasted CSV, read in chunks of rows (each row a
dict of column -> text), so a large file is never held whole as Python objects. Every problem a file
can have (an empty file, a bad encoding, a malformed line) is a DatasetError with one sentence that
names the line or the column."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

CHUNK = 5_000  # rows per chunk: a chunk's rows go to the store in one transaction
FORMATS = ("csv", "tsv", "jsonl", "xlsx", "parquet")
EXTENSIONS = {"csv": "csv", "tsv": "tsv", "txt": "csv", "jsonl": "jsonl", "ndjson": "jsonl",
              "xlsx": "xlsx", "parquet": "parquet", "pq": "parquet"}  # fmt: skip
Row = dict[str, str]


class DatasetError(ValueError):
    """One sentence: what is wrong with the data set (naming the line or column) and what to do."""


@dataclass(frozen=True)
class Preview:
    columns: list[str]
    rows: list[Row]  # the first few
    row_count: int


def format_of(name: str) -> str:
    """The format a file name says (csv, tsv, jsonl, xlsx, parquet); DatasetError for any other."""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in EXTENSIONS:
        raise DatasetError(f"`{name}` is not a data set Batch reads; upload a CSV, TSV, JSONL, XLSX or Parquet file.")
    return EXTENSIONS[ext]


def _cell(value: Any) -> str:
    """Every value as text, the way it fills a prompt: missing values are empty, JSON stays JSON."""
    if value is None:
        return ""
    if isinstance(value, float) and value != value:  # NaN: an empty spreadsheet cell
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _decode_error(exc: UnicodeDecodeError, data: bytes) -> DatasetError:
    line = data[: exc.start].count(b"\n") + 1
    return DatasetError(
        f"Line {line} is not UTF-8 text (byte {exc.start}); save the file as UTF-8 and upload it again."
    )


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _decode_error(exc, data) from None


def _header(names: list[str]) -> list[str]:
    columns = [n.strip() for n in names]
    for i, name in enumerate(columns, 1):
        if not name:
            raise DatasetError(f"Column {i} of the header has no name; give every column a name in the first line.")
    seen: set[str] = set()
    for name in columns:
        if name in seen:
            raise DatasetError(f"The header names the column `{name}` twice; rename one of them.")
        seen.add(name)
    return columns


def _delimited(data: bytes, delimiter: str) -> Iterator[list[Row]]:
    text = _text(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        first = next(reader, None)
        if first is None or not any(c.strip() for c in first):
            raise DatasetError("The data set is empty; it needs a header line and at least one row.")
        columns = _header(first)
        chunk: list[Row] = []
        for cells in reader:
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue  # a blank line (often the last one) is not a row
            if len(cells) != len(columns):
                raise DatasetError(
                    f"Line {reader.line_num} has {len(cells)} fields but the header has {len(columns)}; "
                    "fix that line (quote a value that holds the delimiter) and upload again."
                )
            chunk.append(dict(zip(columns, cells, strict=True)))
            if len(chunk) >= CHUNK:
                yield chunk
                chunk = []
        if chunk:
            yield chunk
    except csv.Error as exc:
        raise DatasetError(
            f"Line {reader.line_num} is not valid CSV ({exc}); fix the quotes on that line and upload again."
        ) from None


def _jsonl(data: bytes) -> Iterator[list[Row]]:
    columns: dict[str, None] = {}
    chunk: list[Row] = []
    start = 0
    for number, raw in enumerate(data.split(b"\n"), 1):
        try:
            line = raw.decode("utf-8-sig" if number == 1 else "utf-8").strip()
        except UnicodeDecodeError as exc:
            raise DatasetError(
                f"Line {number} is not UTF-8 text (byte {start + exc.start}); "
                "save the file as UTF-8 and upload it again."
            ) from None
        start += len(raw) + 1
        if not line:
            continue
        try:
            value = json.loads(line)
        except ValueError as exc:
            raise DatasetError(
                f"Line {number} is not valid JSON ({exc.args[0].split(':')[0]}); each line must be one JSON object."
            ) from None
        if not isinstance(value, dict):
            kind = type(value).__name__
            raise DatasetError(f"Line {number} is a JSON {kind}, not an object; each line must be one JSON object.")
        for key in value:
            columns.setdefault(str(key), None)
        chunk.append({str(k): _cell(v) for k, v in value.items()})
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _parquet(data: bytes) -> Iterator[list[Row]]:
    import pyarrow as pa  # type: ignore[import-untyped]
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    try:
        table = pq.ParquetFile(io.BytesIO(data))
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise DatasetError(f"The file is not a readable Parquet file ({exc}); export it again as Parquet.") from None
    for batch in table.iter_batches(batch_size=CHUNK):
        columns = [str(c) for c in batch.schema.names]
        yield [{c: _cell(v) for c, v in zip(columns, row.values(), strict=True)} for row in batch.to_pylist()]


def _xlsx(data: bytes) -> Iterator[list[Row]]:
    try:
        import openpyxl  # type: ignore[import-untyped]
    except ImportError:  # the one optional dependency: say what to install rather than fail
        raise DatasetError("Reading XLSX needs the openpyxl package; install it, or save the sheet as CSV.") from None
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        kind = type(exc).__name__
        raise DatasetError(f"The file is not a readable XLSX workbook ({kind}); save it again as XLSX.") from None
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    first = next(rows, None)
    if first is None or not any(c is not None for c in first):
        raise DatasetError("The data set is empty; it needs a header line and at least one row.")
    columns = _header([_cell(c) for c in first])
    chunk: list[Row] = []
    for values in rows:
        if all(v is None for v in values):
            continue
        chunk.append({c: _cell(v) for c, v in zip(columns, values, strict=False)})
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def chunks(data: bytes, fmt: str) -> Iterator[list[Row]]:
    """The data set's rows, a chunk at a time; DatasetError (one sentence) at the first problem."""
    if not data.strip():
        raise DatasetError("The data set is empty; it needs a header line and at least one row.")
    if fmt == "csv":
        return _delimited(data, ",")
    if fmt == "tsv":
        return _delimited(data, "\t")
    if fmt == "jsonl":
        return _jsonl(data)
    if fmt == "parquet":
        return _parquet(data)
    if fmt == "xlsx":
        return _xlsx(data)
    raise DatasetError(f"Batch does not read `{fmt}` files; upload a CSV, TSV, JSONL, XLSX or Parquet file.")


def read_all(data: bytes, fmt: str) -> Preview:
    """The whole data set checked (every line read, so a bad one is found now), with its columns, its
    first rows and how many rows it has; only the first rows are kept in memory."""
    columns: dict[str, None] = {}
    head: list[Row] = []
    count = 0
    for chunk in chunks(data, fmt):
        for row in chunk:
            for name in row:
                columns.setdefault(name, None)
        if len(head) < 20:
            head.extend(chunk[: 20 - len(head)])
        count += len(chunk)
    if count == 0:
        raise DatasetError("The data set has a header but no rows; add at least one row.")
    return Preview(list(columns), head, count)


def sniff_pasted(text: str) -> str:
    """Pasted text is CSV, or TSV when its first line has tabs and no commas (copied from a sheet)."""
    first = text.strip().splitlines()[0] if text.strip() else ""
    return "tsv" if "\t" in first and "," not in first else "csv"


def open_bytes(source: bytes | IO[bytes]) -> bytes:
    return source if isinstance(source, bytes) else source.read()


_SAFE = re.compile(r"[^A-Za-z0-9_]")


def column_variable(column: str) -> str:
    """A column's name as a `{{variable}}` name (letters, digits, underscores)."""
    name = _SAFE.sub("_", column.strip()) or "column"
    return f"_{name}" if name[0].isdigit() else name
