"""Inscopix IDPS cell-trace CSV exports (private).

IDPS (Inscopix Data Processing) exports a cell set's traces as a CSV file with two header
rows: the cells' names (``' , C00, C01, ...'``; some versions write ``' Time(s)/Cell Name'`` in
the first cell), then each cell's status from the review in IDPS (``' Time(s)/Cell Status,
accepted, rejected, undecided, ...'``); below them, one row per frame, its time in seconds
first. ``is_status_row`` recognises the second row; ``keep_cells`` reads the statuses.

Only the **accepted** cells are read, as IDPS itself exports and analyses by default: a
rejected cell was judged not to be a cell, and an undecided one was never reviewed. A note
counts those left out and names some. ``--all-rois`` (``all_rois=True``, the name suite2p's
loader uses for the same choice) keeps every cell. A file with no accepted cell (a cell set
never reviewed: every cell undecided) is refused with the hint to review it or pass
``--all-rois``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

from neurocast.errors import FormatError

__all__ = ["STATUSES", "is_status_row", "keep_cells"]

#: The statuses IDPS gives a cell.
STATUSES = ("accepted", "rejected", "undecided")
_STATUS_ROW = re.compile(r"time\s*\(s\)\s*/\s*cell\s*status", re.IGNORECASE)
_NAME_CELL = re.compile(r"(time\s*\(s\)\s*/\s*cell\s*names?)?", re.IGNORECASE)


def is_status_row(cells: Sequence[str]) -> bool:
    """True for the second header row of an IDPS export: 'Time(s)/Cell Status' first."""
    return bool(cells) and _STATUS_ROW.fullmatch(cells[0].strip()) is not None


def keep_cells(cells: Sequence[str], statuses: Sequence[str], table: pd.DataFrame,
               all_rois: bool, what: str, notes: list[str]) -> tuple[list[str], pd.DataFrame]:
    """The header cells and the columns of ``table`` to read from an IDPS export whose header
    rows are ``cells`` and ``statuses``: the time column (named 'Time (s)') and the accepted
    cells, or every cell if ``all_rois``; a note is appended to ``notes``. Raises FormatError
    for a status row of another length than the header, a status that is not one of
    ``STATUSES``, and a file with no accepted cell (unless ``all_rois``)."""
    if len(statuses) != len(cells) or len(cells) != table.shape[1]:
        raise FormatError(f"{what}: Inscopix export whose status row has {len(statuses)} cells "
                          f"for {len(cells)} header cells and {table.shape[1]} columns",
                          "export the cell set's traces again from IDPS")
    if _NAME_CELL.fullmatch(cells[0].strip()) is None:
        raise FormatError(f"{what}: Inscopix export (its second row gives the cells' statuses) "
                          f"whose first header cell is {cells[0]!r}, not empty nor 'Time(s)/Cell "
                          "Name'", "export the cell set's traces again from IDPS")
    status = [s.strip().lower() for s in statuses[1:]]
    odd = [s for s in status if s not in STATUSES]
    if odd:
        raise FormatError(f"{what}: Inscopix export with a cell status {odd[0]!r} (row 2), not "
                          "one of " + ", ".join(STATUSES), "export the cell set's traces "
                          "again from IDPS")
    names = [str(c).strip() for c in cells[1:]]
    counts = {s: status.count(s) for s in STATUSES}
    said = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    if all_rois:
        notes.append(f"Inscopix IDPS export ({said} cells): every cell is read (--all-rois)")
        return ["Time (s)", *names], table
    keep = [j + 1 for j, s in enumerate(status) if s == "accepted"]
    if not keep:
        raise FormatError(f"{what}: Inscopix IDPS export with no accepted cell ({said}): only "
                          "accepted cells are read", "accept the cells in IDPS and export "
                          "again, or pass --all-rois (all_rois=True) to read every cell, "
                          "undecided and rejected too")
    left = [(names[j], s) for j, s in enumerate(status) if s != "accepted"]
    notes.append(f"Inscopix IDPS export: the {len(keep)} accepted cells are read"
                 + (", not " + " nor ".join(
                     f"the {counts[s]} {s} ({', '.join([repr(n) for n, k in left if k == s][:3])}"
                     + (", ..." if counts[s] > 3 else "") + ")"
                     for s in ("rejected", "undecided") if counts[s])
                    + " (--all-rois reads every cell)" if left else ""))
    return ["Time (s)", *(names[j - 1] for j in keep)], table.iloc[:, [0, *keep]]
