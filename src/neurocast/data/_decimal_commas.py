"""Numbers written with a decimal comma in tables and worksheets (private).

Continental European locales write 0.25 as '0,25': their CSV files separate cells with ';'
(or tabs) and keep the comma, and such numbers pasted into an English Excel stay text. A cell
that is a decimal-comma number is read as that number (with '.' grouping thousands in front of
the comma, as those locales write them: '1.234,5'), with one note. A comma after one to
three digits followed by groups of three ('1,234', '12,345,678') can also be a thousands
separator; a table whose only comma numbers look like that is refused instead of guessed.
"""

from __future__ import annotations

import re

import pandas as pd

from neurocast.errors import FormatError

__all__ = ["is_number", "read_decimal_commas"]

# digits (optionally grouped by '.' thousands: 1.234,5), a comma, digits; or ',5'; an exponent
_COMMA_NUMBER = r"[+-]?(?:(?:\d{1,3}(?:\.\d{3})+|\d+),\d*|,\d+)(?:[eE][+-]?\d+)?"
_THOUSANDS = r"[+-]?[1-9]\d{0,2}(?:,\d{3})+"


def is_number(cell: str) -> bool:
    """True if the text of a cell is a number, with a decimal point or a decimal comma."""
    try:
        float(cell)
    except ValueError:
        return re.fullmatch(_COMMA_NUMBER, cell.strip()) is not None
    return True


def read_decimal_commas(table: pd.DataFrame, what: str, notes: list[str]) -> pd.DataFrame:
    """``table`` (rows of cells, any dtype) with its text cells that are decimal-comma numbers
    ('0,25', '-1,5e-3', ',5', '1.234,5') replaced by those numbers, and a note appended to ``notes``; the
    same table if it holds none. Raises FormatError if every such cell could be a number with a
    thousands separator ('1,234'), naming one."""
    found: dict[object, pd.Series] = {}
    for column in table.columns:
        cells = table[column]
        if pd.api.types.is_numeric_dtype(cells.dtype):
            continue
        # text columns: pandas' str dtype (every cell text or NA) or object (a worksheet's mix)
        text = (cells.dropna() if isinstance(cells.dtype, pd.StringDtype)
                else cells[cells.map(lambda v: isinstance(v, str))]).astype(str).str.strip()
        hits = text[text.str.fullmatch(_COMMA_NUMBER)]
        if not hits.empty:
            found[column] = hits
    if not found:
        return table
    every = pd.concat(found.values())
    if every.str.fullmatch(_THOUSANDS).all():
        raise FormatError(f"{what}: cells such as {every.iloc[0]!r} may be numbers with a "
                          "decimal comma or with a thousands separator",
                          "if the commas separate thousands, export the numbers without them; if "
                          "they are decimal commas, write decimal points (or more than three "
                          "decimals)")
    table = table.copy()
    for column, hits in found.items():
        numbers = pd.to_numeric(hits.str.replace(".", "", regex=False)
                                .str.replace(",", ".", regex=False)).astype(float)
        if len(hits) == table[column].notna().sum():  # every cell of the column: numbers now
            table[column] = numbers.reindex(table.index)
        else:
            values = table[column].astype(object)
            values.loc[hits.index] = numbers
            table[column] = values
    notes.append(f"{len(every):,} cells are written with a decimal comma (e.g. {every.iloc[0]!r}): "
                 "read as numbers (a comma is the decimal point)")
    return table
