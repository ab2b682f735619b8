"""How to read a connectome file: ``ReadOptions`` (the defaults live here only) and the
``--columns`` suggestion for a header that matches no format."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from neurocast.connectome._tables import TRANSMITTER_COLUMNS
from neurocast.errors import ConfigError, FormatError

DUPLICATES = ("error", "sum")
COLUMN_ROLES = ("pre", "post", "count", "sign", "weight", "transmitter", "id", "name", "type")
#: the roles that name a neuron table's columns (the others name the edge table's)
NEURON_ROLES = ("id", "name", "type")


@dataclass(frozen=True)
class ReadOptions:
    """How to read a connectome file (the defaults live here only).

    format: force a reader ('flywire', 'flywire-release', 'neuprint', 'edgelist', 'npz');
      None sniffs the path.
    columns: generic column mapping {'pre': ..., 'post': ..., optional 'count', optional 'sign',
      optional 'weight' (float strengths), optional
      'transmitter' (per-edge transmitter names giving the signs; found by name when not
      mapped), optional 'id', 'name' and 'type' (the neuron table's id, name and type
      columns: ``NEURON_ROLES``)}; implies format 'edgelist', except a mapping of neuron-table
      roles alone, which names the neuron table's columns for any reader. The neuron table's
      transmitter and sign columns are found by name (``TRANSMITTER_COLUMNS``, 'sign').
      Without 'count' and 'weight' each row is one synapse (a per-synapse table): the rows
      of a pair are summed into one connection.
    neurons: path of a neuron table for a single edge-table file (None: neurons are the ids
      that appear in the edges, sorted).
    duplicates: 'error' (default) rejects repeated pre→post rows; 'sum' adds their counts.
    name: the connectome's name (None: the file or folder name without suffix).
    """

    format: str | None = None
    columns: dict | None = None
    neurons: str | os.PathLike | None = None
    duplicates: str = "error"
    name: str | None = None

    @property
    def maps_edges(self) -> bool:
        """True if ``columns`` maps edge-table columns (any role but ``NEURON_ROLES``): the
        edge-list reader."""
        return bool(set(self.columns or ()) - set(NEURON_ROLES))

    @property
    def id_column(self) -> str | None:
        """The neuron table's id column named by ``columns['id']``, else None."""
        return (self.columns or {}).get("id")

    @property
    def neuron_columns(self) -> dict:
        """The neuron table's columns named by ``columns`` ({role: column} of ``NEURON_ROLES``)."""
        return {r: c for r, c in (self.columns or {}).items() if r in NEURON_ROLES}

    def __post_init__(self):
        if self.duplicates not in DUPLICATES:
            raise ConfigError(f"duplicates must be one of {', '.join(DUPLICATES)}, "
                              f"not {self.duplicates!r}")
        if self.columns is not None:
            if not isinstance(self.columns, dict):
                raise ConfigError("columns must be a dict like {'pre': 'a', 'post': 'b', 'count': 'c'}")
            unknown = [k for k in self.columns if k not in COLUMN_ROLES]
            if unknown:
                raise ConfigError(f"unknown column role(s) {', '.join(map(repr, unknown))}",
                                  f"roles are {', '.join(COLUMN_ROLES)}")
            edge_roles = [k for k in self.columns if k not in NEURON_ROLES]
            neuron_roles = [k for k in self.columns if k in NEURON_ROLES]
            for roles, example in ((edge_roles, "pre=COLUMN,post=OTHER_COLUMN,count=THIRD_COLUMN"),
                                   (neuron_roles, "id=ID_COLUMN,name=NAME_COLUMN")):
                for i, role in enumerate(roles):  # within one table: edge or neuron table
                    col = self.columns[role]
                    other = next((r for r in roles[:i] if self.columns[r] == col), None)
                    if other is not None:
                        raise ConfigError(f"the column mapping gives the column {col!r} two "
                                          f"roles, {other} and {role}",
                                          f"map each role to its own column, e.g. --columns {example}")
            if "sign" in self.columns and "transmitter" in self.columns:
                raise ConfigError("the column mapping gives both a sign and a transmitter column; "
                                  "an edge has one sign",
                                  "map only one of them: sign=COLUMN (+1/-1/0) or "
                                  "transmitter=COLUMN (ACh, GABA, ...)")
            missing = [k for k in ("pre", "post") if k not in self.columns]
            if missing and self.maps_edges:
                raise ConfigError(f"the column mapping lacks {' and '.join(missing)}",
                                  "give at least pre=COLUMN,post=COLUMN; add count=COLUMN for "
                                  "synapse counts or weight=COLUMN for float weights (without "
                                  "either, each row is one synapse)")
        if self.neurons is not None and not Path(self.neurons).is_file():
            raise FormatError(f"neuron table '{os.fspath(self.neurons)}' does not exist",
                              "check the path of the neuron table (--neurons)")


def guess_mapping(found: list[str]) -> str:
    """A --columns suggestion built from column names that look like pre, post and count, plus
    a sign or transmitter column when one is there (without it every connection would have an
    unknown sign, so weight 0)."""
    # ids of supervoxels and positions (MICrONS' pre_pt_supervoxel_id, pre_pt_position) last
    low = {c: c.lower() for c in sorted(found, key=lambda c: any(
        w in c.lower() for w in ("supervoxel", "position")))}
    transmitters = {t.lower() for t in TRANSMITTER_COLUMNS}
    pick = {}
    for role, looks_like in (  # signs first: 'syn_sign' is no count (a 0/1 flag is no sign)
            ("pre", lambda lc: "pre" in lc), ("post", lambda lc: "post" in lc),
            ("sign", lambda lc: "sign" in lc or lc in ("sgn", "polarity")),
            ("transmitter", lambda lc: lc in transmitters or "transmitter" in lc),
            ("count", lambda lc: any(w in lc for w in ("count", "syn", "weight", "connectivity")))):
        for c, lc in low.items():
            if c not in pick.values() and looks_like(lc) and not (role == "transmitter"
                                                                   and "sign" in pick):
                pick[role] = c
                break
    order = [r for r in ("pre", "post", "count", "sign", "transmitter") if r in pick]
    mapping = "pass --columns " + ",".join(f"{role}={pick[role]}" for role in order)
    if {"pre", "post", "count"} <= pick.keys():
        return mapping
    if {"pre", "post"} <= pick.keys():  # a per-synapse table: no count column
        return mapping + " (without count=COLUMN each row is read as one synapse)"
    return "pass --columns pre=COLUMN,post=COLUMN,count=COLUMN (API: columns={...})"
