"""CSV/TSV/TXT tables to a SequenceData: sniffed dialect, header, time column, skipped text columns.

Two paths give the same result. The fast one hands a body of numbers (and plain ISO date columns) to NumPy's C
parser (a million-row file in a fraction of a second); anything it does not accept (missing cells, words, quotes,
ragged rows, NaN, overflow) falls through to the careful path, which splits the lines itself, a block at a time,
so that each problem is reported with its row (the line number in the file, as a spreadsheet numbers its rows)
and column.
"""

from __future__ import annotations

import codecs
import dataclasses
import io
import itertools
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from .errors import SequenceError
from .quoting import quote, shorten
from .seq_cells import (
    MAX_COLUMNS,
    Dialect,
    UnclosedQuote,
    count_cells,
    dates_from_bytes,
    is_date,
    is_header,
    is_missing,
    is_number,
    is_time_name,
    sniff,
    sniff_delimiter,
    split_cells,
)
from .seq_columns import Column, ColumnBuilder
from .seq_decode import check_line_length, decode_text, fail
from .seq_scan import Scan, scan_table
from .seq_thousands import STYLES, describe_style
from .seq_values import Rows, finish, is_monotonic
from .sequence_data import SequenceData

SAMPLE_LINES = 30
HEAD_BYTES = 1 << 16
BLOCK_CHARS = 1 << 18
_TEXT_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_UTF32_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)


def _is_data(line: str) -> bool:
    return bool(line.strip()) and not line.lstrip().startswith("#")


def _data_lines(lines: Sequence[str]) -> list[tuple[int, str]]:
    """(1-based line number, line) of every line that is neither blank nor a ``#`` comment."""
    # The first character decides for almost every line; only lines starting with space or '#' need a closer look.
    return [(n, line) for n, line in enumerate(lines, 1) if line and (line[0] not in "# \t\f\v" or _is_data(line))]


def _dialect(name: str, sample: Sequence[str]) -> Dialect:
    delimiter = sniff_delimiter(sample)
    for line in sample:
        if count_cells(line, delimiter) > MAX_COLUMNS:
            cells = count_cells(line, delimiter)
            raise fail(name, f"a line has {cells:,} columns; lstmviz reads at most {MAX_COLUMNS:,}")
    return sniff(sample, delimiter)


def _names(cells: Sequence[str], header: bool) -> list[str]:
    if not header:
        return ["x"] if len(cells) == 1 else [f"x{k}" for k in range(len(cells))]
    return [cell or f"column {k + 1}" for k, cell in enumerate(cells)]


def _newlines(data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n").replace(b"\r", b"\n") if b"\r" in data else data


def _unchanged(path: str, size: int) -> bool:
    """Still the size we read (and checked against the limit)? Otherwise parse the bytes we have, not the file."""
    try:
        return os.path.getsize(path) == size
    except OSError:
        return False


def _fast_table(
    data: bytes, name: str, columns: list[str] | None, missing: str, path: str | None, scan: Scan | None = None
) -> SequenceData | None:
    """All-numeric UTF-8 tables through ``np.loadtxt`` on the raw bytes; None means "use the careful path".

    With ``scan``, ``data`` is only the file's first bytes and NumPy reads the file itself (see :mod:`.seq_scan`).
    """
    if data.startswith(_TEXT_BOMS) or b"\x00" in data:
        return None
    size = len(data) if scan is None else scan.size
    start = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    head = data[start : start + HEAD_BYTES]
    if size - start > HEAD_BYTES:
        head = head[: head.rfind(b"\n") + 1]
    try:
        lines = _newlines(head).decode("utf-8").split("\n")
    except UnicodeDecodeError:
        return None
    entries = _data_lines(lines)
    if not entries:
        return None
    sample = [line for _, line in entries[:SAMPLE_LINES]]
    dialect = _dialect(name, sample)
    first_no, first = entries[0]
    first_cells = _strict_cells(name, first_no, first, dialect.delimiter)
    header = is_header(first_cells, dialect.decimal_comma)
    if header and len(entries) < 2:
        return None  # no data rows (NumPy would only warn): the careful path says so
    width = len(first_cells)
    sample_rows = [split_cells(line, dialect.delimiter) for line in sample[int(header) :]]
    dates = [
        k
        for k in range(width)
        if dialect.delimiter is not None and all(k < len(r) and is_date(r[k]) for r in sample_rows)
    ]
    date_set = set(dates)
    numbers = [k for k in range(width) if k not in date_set]
    offset = sum(len(line.encode("utf-8")) + 1 for line in lines[:first_no]) if header else 0
    body: bytes | None = None  # None: NumPy reads the file itself
    if path is None or dialect.decimal_comma or not _unchanged(path, size):
        if scan is not None:
            return None  # only the head is at hand: the whole-file reader takes it from here
        body = _newlines(data[start:])[offset:]
        body = body.replace(b",", b".") if dialect.decimal_comma else body

    def load(usecols: list[int] | None, dtype: Any) -> np.ndarray:
        # No warnings.catch_warnings() around this: it is not thread-safe, and the app loads in worker threads.
        options: dict[str, Any] = {
            "delimiter": dialect.delimiter,
            "ndmin": 2,
            "comments": "#",
            "dtype": dtype,
            "usecols": usecols,
        }
        if body is not None:
            return np.loadtxt(io.BytesIO(body), **options)
        assert path is not None  # body is None only for a named file
        # NumPy reads a named file ~20% faster than the same bytes from memory (it decodes in chunks).
        return np.loadtxt(path, skiprows=first_no if header else 0, encoding="utf-8-sig", **options)

    try:
        matrix = load(numbers if dates else None, np.float64) if numbers else np.zeros((0, 0))
        stamps = load(dates, "S32") if dates else None  # dates as bytes, checked and converted below
    except (ValueError, OSError, Warning):  # UnicodeDecodeError is a ValueError; Warning if made an error
        return None
    steps = len(stamps) if stamps is not None else len(matrix)
    if steps == 0 or (numbers and (matrix.shape != (steps, len(numbers)) or not np.isfinite(matrix).all())):
        return None
    if (
        dates and dialect.delimiter is not None
    ):  # usecols lets rows with extra cells through: the delimiters must add up exactly
        delimiter = dialect.delimiter.encode()
        header_cells = lines[first_no - 1].count(dialect.delimiter) if header else 0
        found = data.count(delimiter, start) if scan is None else scan.delimiters.get(dialect.delimiter, -1)
        if found != steps * (width - 1) + header_cells:
            return None
    converted = {k: dates_from_bytes(stamps[:, j]) for j, k in enumerate(dates)} if stamps is not None else {}
    years = {k: y for k, y in converted.items() if y is not None}
    if len(years) != len(converted):
        return None
    position = {k: j for j, k in enumerate(numbers)}  # file column -> column of ``matrix``
    parsed = [
        Column(n, "date", years[k]) if k in years else Column(n, "number", matrix[:, position[k]])
        for k, n in enumerate(_names(first_cells, header))
    ]
    first_row = first_no + int(header)
    rows = Rows(range(first_row, first_row + steps))  # exact unless blank lines sit inside the data
    return _assemble(name, parsed, rows, header, columns, missing, (), None if dates else matrix)


def _strict_cells(name: str, number: int, line: str, delimiter: str | None) -> list[str]:
    """The cells of line ``number``, refusing a quote it opens and never closes (naming that line)."""
    try:
        return split_cells(line, delimiter, strict=True)
    except UnclosedQuote:
        raise fail(name, f"line {number}: a quoted field is never closed") from None


def _ragged(name: str, number: int, count: int, width: int, what: str, dialect: Dialect) -> SequenceError:
    if count > MAX_COLUMNS:
        return fail(name, f"row {number} has more than {MAX_COLUMNS:,} columns")
    return fail(name, f"row {number} has {count} values, but {what} {width} (cells separated by {dialect.describe()})")


def _split_body(
    name: str, numbers: np.ndarray, lines: list[str], dialect: Dialect, width: int, what: str
) -> list[list[str]]:
    """The cells of the data lines, column by column; a row with another number of cells is an error naming it.

    Without quotes, the cells of every line are counted, then all lines are joined and split once (C speed);
    lines with quotes are split one by one, the CSV way. ``numbers`` are the lines' numbers in the file.
    """
    delimiter = dialect.delimiter
    joined = (delimiter or " ").join(lines)
    if '"' not in joined:
        if max(map(len, lines)) > 2 * MAX_COLUMNS:  # only a line this long can hold too many cells
            for number, line in zip(numbers, lines, strict=True):
                if count_cells(line, delimiter) > MAX_COLUMNS:
                    raise _ragged(name, int(number), MAX_COLUMNS + 1, width, what, dialect)
        if delimiter is None:
            counts = [len(line.split()) for line in lines]
        else:
            counts = [line.count(delimiter) + 1 for line in lines]
        if any(c != width for c in counts):
            k = next(k for k, c in enumerate(counts) if c != width)
            raise _ragged(name, int(numbers[k]), counts[k], width, what, dialect)
        tokens = joined.split(delimiter)
        if delimiter is not None and (" " in joined or "\t" in joined):
            return [[t.strip() for t in tokens[k::width]] for k in range(width)]
        return [tokens[k::width] for k in range(width)]
    rows: list[list[str]] = []
    for number, line in zip(numbers, lines, strict=True):
        if count_cells(line, delimiter) > MAX_COLUMNS:
            raise _ragged(name, int(number), MAX_COLUMNS + 1, width, what, dialect)
        cells = _strict_cells(name, int(number), line, delimiter)
        if len(cells) != width:
            raise _ragged(name, int(number), len(cells), width, what, dialect)
        rows.append(cells)
    return [list(column) for column in zip(*rows, strict=True)]


def _blocks(text: str) -> Iterator[tuple[np.ndarray, list[str]]]:
    """(line numbers, lines) of the data lines, split from the text a block at a time, never all at once.

    Splitting a whole file into line strings costs ~50 bytes per line on top of the text; blocks of
    BLOCK_CHARS keep that bounded, whatever the file's size.
    """
    start, first = 0, 1
    while start < len(text):
        end = text.find("\n", start + BLOCK_CHARS)
        end = len(text) if end < 0 else end
        lines = text[start:end].split("\n")
        keep = [k for k, line in enumerate(lines) if line and (line[0] not in "# \t\f\v" or _is_data(line))]
        if keep:
            yield np.asarray(keep, dtype=np.int64) + first, [lines[k] for k in keep]
        first += len(lines)
        start = end + 1


def _careful_table(
    data: bytes,
    name: str,
    columns: list[str] | None,
    missing: str,
    decimal: str | None = None,
    thousands: str | None = None,
) -> SequenceData:
    text, notices = decode_text(data, name)
    blocks = _blocks(text)
    numbers = np.zeros(0, dtype=np.int64)  # the first block(s): at least SAMPLE_LINES data lines
    lines: list[str] = []
    for more_numbers, more_lines in blocks:
        numbers, lines = np.concatenate([numbers, more_numbers]), lines + more_lines
        if len(lines) >= SAMPLE_LINES:
            break
    if not lines:
        raise fail(name, "the file is empty" if not text or text.isspace() else "the file holds no data, only comments")
    dialect = _dialect(name, lines[:SAMPLE_LINES])
    first_cells = _strict_cells(name, int(numbers[0]), lines[0], dialect.delimiter)
    header = is_header(first_cells, dialect.decimal_comma)
    width = len(first_cells)
    what = "the header has" if header else f"row {numbers[0]} has"
    if header:
        numbers, lines = numbers[1:], lines[1:]
    if not lines:
        raise fail(name, "the file has a header row but no data rows")
    if decimal is not None:
        dialect = dataclasses.replace(dialect, decimal_comma=decimal == ",")
    builders = [ColumnBuilder(n, dialect.decimal_comma, thousands, decimal) for n in _names(first_cells, header)]
    all_numbers: list[np.ndarray] = []
    done = 0
    for block_numbers, block_lines in itertools.chain([(numbers, lines)], blocks):
        split = _split_body(name, block_numbers, block_lines, dialect, width, what)
        for builder, cells in zip(builders, split, strict=False):
            builder.add(cells, done)
        all_numbers.append(block_numbers)
        done += len(block_lines)
    del text, blocks  # free the text before the numbers are assembled
    return _assemble(
        name, [b.build() for b in builders], Rows(np.concatenate(all_numbers)), header, columns, missing, notices
    )


def _resolve(name: str, wanted: str, parsed: Sequence[Column]) -> int:
    """A ``--columns`` entry: a header name (exact, then ignoring case), else a 0-based column number."""
    names = [c.name for c in parsed]
    for candidates in (names, [n.lower() for n in names]):
        key = wanted.strip() if candidates is names else wanted.strip().lower()
        if key in candidates:
            return candidates.index(key)
    if wanted.strip().isdigit() and int(wanted) < len(parsed):
        return int(wanted)
    listed = ", ".join(f'"{n}"' for n in names[:20]) + (", ..." if len(names) > 20 else "")
    raise fail(name, f'there is no column "{shorten(wanted)}"; the columns are {listed}')


def _check_numeric(name: str, column: Column, rows: Rows) -> None:
    if len(column.words):
        k = int(column.words[0])
        raise fail(name, f'{rows.one(k)}, column "{shorten(column.name)}": {quote(column.examples[k])} is not a number')
    if len(column.overflows):
        k = int(column.overflows[0])
        raise fail(
            name,
            f'{rows.one(k)}, column "{shorten(column.name)}": {shorten(column.examples[k])} '
            "is too large for a "
            "64-bit float (beyond 1.8e308)",
        )


def _find_time(parsed: Sequence[Column], chosen: set[int]) -> tuple[int | None, list[str]]:
    """The first date column or numeric column named like a time, if it rises or falls steadily."""
    notices: list[str] = []
    for k, column in enumerate(parsed):
        if k in chosen or column.kind == "text" or len(column.words) or len(column.overflows):
            continue
        if column.kind == "date" or is_time_name(column.name):
            present = column.values[~np.isnan(column.values)]
            if is_monotonic(present):
                return k, notices
            notices.append(
                f'column "{shorten(column.name)}" looks like a time axis but does not rise or fall '
                "steadily, "
                "so it is not used as one"
            )
    return None, notices


def _assemble(
    name: str,
    parsed: Sequence[Column],
    rows: Rows,
    header: bool,
    columns: list[str] | None,
    missing: str,
    notices: Sequence[str],
    matrix: np.ndarray | None = None,
) -> SequenceData:
    """Choose the time column and the inputs, then let :func:`finish` check values and apply ``missing``."""
    notes = list(notices)
    notes += [
        f'column "{shorten(column.name)}": read with {describe_style(column.thousands)}'
        for column in parsed
        if column.thousands
    ]
    explicit = [_resolve(name, w, parsed) for w in columns] if columns else []
    time_index, time_notes = _find_time(parsed, set(explicit))
    notes += time_notes
    if columns:
        inputs = explicit
        for k in inputs:
            if parsed[k].kind == "text":
                k_word = int(parsed[k].words[0])
                raise fail(
                    name,
                    f'column "{shorten(parsed[k].name)}" is not numeric ({rows.one(k_word)}: '
                    f"{quote(parsed[k].examples[k_word])})",
                )
    else:
        inputs = []
        for k, column in enumerate(parsed):
            if k == time_index:
                continue
            if column.kind == "text":
                k_word = int(column.words[0])
                notes.append(
                    f'skipped column "{shorten(column.name)}": it holds text, not numbers '
                    f"({rows.one(k_word)}: "
                    f"{quote(column.examples[k_word])})"
                )
            elif column.kind == "date":
                notes.append(f'skipped column "{shorten(column.name)}": it holds dates')
            elif column.kind == "empty":
                notes.append(f'skipped column "{shorten(column.name)}": it is empty')
            else:
                inputs.append(k)
    if not inputs:
        raise fail(name, "no column holds numbers to use as input")
    for k in inputs if time_index is None else [time_index, *inputs]:
        _check_numeric(name, parsed[k], rows)
    if matrix is not None and inputs == list(range(inputs[0], inputs[0] + len(inputs))):
        values = matrix[:, inputs[0] : inputs[0] + len(inputs)]  # adjacent columns: a view, no copy
    else:
        values = np.column_stack([parsed[k].values for k in inputs])
    labels = (
        [parsed[k].name for k in inputs]
        if header
        else ["x" if len(inputs) == 1 else f"x{j}" for j in range(len(inputs))]
    )
    time = time_label = None
    if time_index is not None:
        time = parsed[time_index].values
        time_label = parsed[time_index].name + (" (year)" if parsed[time_index].kind == "date" else "")
    return finish(name, values, labels, rows, missing, time=time, time_label=time_label or "step", notices=notes)


def load_table(
    data: bytes,
    name: str,
    *,
    columns: list[str] | None = None,
    missing: str = "error",
    path: str | None = None,
    decimal: str | None = None,
    thousands: str | None = None,
) -> SequenceData:
    """Read a delimited table of numbers (see the module docstring for the two paths).

    ``path`` is the file ``data`` was read from, if any: the fast path then lets NumPy read it directly.
    ``decimal`` ("." or ",") and ``thousands`` ("" for none, ".", ",", " " or "'") force what is otherwise
    detected (the decimal mark per file, the thousands separator per column).
    """
    check_number_format(name, decimal, thousands)
    check_line_length(data, name)
    if decimal is None and thousands is None:
        fast = _fast_table(data, name, columns, missing, path)
        if fast is not None:
            return fast
    return _careful_table(data, name, columns, missing, decimal, thousands)


def load_large_table(
    path: str,
    name: str,
    *,
    columns: list[str] | None = None,
    missing: str = "error",
    is_table: Callable[[bytes], bool] | None = None,
) -> SequenceData | None:
    """A large named table of plain numbers, without holding its bytes; None: read it whole with :func:`load_table`.

    Only the fast path can do without the bytes; the careful one (quotes, words, missing cells, a decimal comma)
    needs the text, so those files are read whole as before.
    """
    scan = scan_table(path, name, len(codecs.BOM_UTF8) + HEAD_BYTES)
    if scan is None or (is_table is not None and not is_table(scan.head)):
        return None  # ``is_table``: does the head say the file is a table at all?
    return _fast_table(scan.head, name, columns, missing, path, scan)


def check_number_format(name: str, decimal: str | None, thousands: str | None) -> None:
    """Refuse a decimal mark or thousands separator lstmviz does not know, or the same character for both."""
    if decimal not in (None, ".", ","):
        raise fail(name, f'the decimal mark must be "." or ",", not {quote(decimal)}')
    if thousands not in (None, "", *STYLES):
        raise fail(name, f'the thousands separator must be one of ".", ",", " ", "\'" or none, not {quote(thousands)}')
    if thousands and decimal == thousands:
        raise fail(name, f"{quote(decimal)} cannot be both the decimal mark and the thousands separator")


def looks_like_table(data: bytes) -> bool:
    """For ``.txt`` and stdin: a table of numbers (after an optional header), or prose to read as characters?

    At least half of the cells on the first lines must be numbers, dates or missing markers.
    """
    encoding = "utf-32" if data.startswith(_UTF32_BOMS) else "utf-16" if data.startswith(_TEXT_BOMS) else "utf-8-sig"
    head = data[:HEAD_BYTES].decode(encoding, errors="replace").replace("\r", "\n")
    entries = [line for _, line in _data_lines(head.split("\n"))]
    if len(data) > HEAD_BYTES:
        entries = entries[:-1]  # the last line of the head may be cut
    entries = entries[:6]
    if not entries:
        return False
    delimiter = sniff_delimiter(entries)
    if any(count_cells(line, delimiter) > MAX_COLUMNS for line in entries):
        return True  # let the table reader refuse it with its message
    dialect = sniff(entries, delimiter)
    header = len(entries) > 1 and is_header(split_cells(entries[0], delimiter), dialect.decimal_comma)
    body = entries[1:] if header else entries
    cells = [c for line in body for c in split_cells(line, delimiter)]
    numeric = sum(is_number(c, dialect.decimal_comma) or is_date(c) or is_missing(c) for c in cells)
    return 2 * numeric >= len(cells)  # mostly numbers: a table (whose words the table reader will name)
