"""CaImAn and CNMF-E results inside a container: which array holds the traces, their
orientation, and CaImAn's accepted components (private; used by ``load_matrix``).

- CaImAn's ``cnm.save()`` HDF5 file holds the group ``estimates``: ``F_dff`` (ΔF/F, written
  only after ``detrend_df_f()``; else the string 'NoneType', as CaImAn saves None), ``C``
  (denoised calcium traces, in units of fluorescence), ``S``, ``YrA`` (components × frames),
  the background ``b`` (pixels × nb) and ``f`` (nb × frames), and, after
  ``evaluate_components()``, ``idx_components`` (the accepted components, counted from 0) and
  ``idx_components_bad`` (the rejected). Files written from MATLAB may count them from 1 and
  keep them as (1, k) arrays: see ``accepted_components``.
- CNMF-E's MATLAB ``results`` struct (``neuron.obj2struct()``) holds ``C`` (denoised), ``C_raw``
  and ``S`` (components × frames), ``A`` (pixels × components, sparse) and ``options`` (``Fs``,
  the frame rate).

The traces read are ``F_dff`` when it is an array, else ``C`` (with a note: not ΔF/F, and
``trace_kind`` "fluorescence"); the background ``f``/``b`` are never read as traces.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurocast.errors import FormatError

__all__ = ["CnmfLayout", "accepted_components", "cnmf_layout", "cnmf_traces"]

#: The (components × frames) arrays of each layout, lower case.
_CAIMAN_TRACES = ("f_dff", "c", "s", "yra")
_CNMFE_TRACES = ("c", "c_raw", "s")


@dataclass(frozen=True)
class CnmfLayout:
    """A CaImAn ``estimates`` group or a CNMF-E ``results`` struct found in a container.
    who: "CaImAn" or "CNMF-E"; group: the group's key as stored ('estimates', 'results');
    keys: lower-case leaf -> key of the group's arrays."""

    who: str
    group: str
    keys: dict

    def leaf_of(self, key) -> str | None:
        """The lower-case name of ``key`` inside the group, or None if it lies elsewhere."""
        k = str(key)
        if not k.lower().startswith(self.group.lower() + "/"):
            return None
        rest = k[len(self.group) + 1:]
        return rest.lower() if "/" not in rest else None

    def neuron_major(self, key) -> bool:
        """Whether ``key`` is one of the layout's (components × frames) arrays."""
        return self.leaf_of(key) in (_CAIMAN_TRACES if self.who == "CaImAn" else _CNMFE_TRACES)


def _matrix(v) -> bool:
    return (len(getattr(v, "shape", ())) == 2 and getattr(v, "dtype", np.dtype(object)).kind in "fiu"
            and min(np.shape(v)) > 1)


def cnmf_layout(arrays: dict) -> CnmfLayout | None:
    """The CaImAn or CNMF-E layout of a container's ``arrays`` (key -> array), or None: a
    top-level group ``estimates`` holding a matrix ``C`` (CaImAn), or a group holding a matrix
    ``C`` beside ``C_raw`` or ``S`` of the same shape and an ``options`` struct (CNMF-E)."""
    groups: dict[str, dict] = {}
    for k in arrays:
        group, _, leaf = str(k).rpartition("/")
        if group:
            groups.setdefault(group, {})[leaf.lower()] = k
    for group, keys in groups.items():
        if "c" not in keys or not _matrix(arrays[keys["c"]]):
            continue
        if group.lower() == "estimates":
            return CnmfLayout("CaImAn", group, keys)
        shape = np.shape(arrays[keys["c"]])
        if any(other in keys and np.shape(arrays[keys[other]]) == shape for other in ("c_raw", "s")) \
                and any(str(k).lower().startswith(f"{group.lower()}/options/") for k in arrays):
            return CnmfLayout("CNMF-E", group, keys)
    return None


def cnmf_traces(layout: CnmfLayout, arrays: dict, what: str) -> tuple[str, str, str | None]:
    """The key of the traces to read when none was given: ``F_dff`` (CaImAn, when it is an
    array), else ``C``; the note saying so; and the trace kind ("fluorescence" for ``C``, None
    for ΔF/F)."""
    others = [repr(layout.keys[k]) for k in (_CAIMAN_TRACES if layout.who == "CaImAn"
                                              else _CNMFE_TRACES) if k in layout.keys]
    dff = layout.keys.get("f_dff") if layout.who == "CaImAn" else None
    if dff is not None and _matrix(arrays[dff]):
        rest = [o for o in others if o != repr(dff)]
        return dff, (f"{what}: {layout.who}'s ΔF/F {dff!r} is read as the traces"
                     + (f" (not {', '.join(rest)}; choose another with --key)" if rest else "")), None
    c = layout.keys["c"]
    rest = [o for o in others if o != repr(c)]
    missing = ("hold no ΔF/F (estimates/F_dff is not saved: run cnm.estimates.detrend_df_f() "
               "before cnm.save() to have it)" if layout.who == "CaImAn"
               else "hold no ΔF/F")
    return c, (f"{what}: {layout.who}'s results {missing}, so its denoised calcium traces {c!r} "
               "are read: they are in units of fluorescence, not ΔF/F (trace kind "
               "'fluorescence'; --trace-kind dff declares them ΔF/F)"
               + (f"; {', '.join(rest)}: choose another with --key" if rest else "")), "fluorescence"


def _indices(v) -> np.ndarray | None:
    """A 1-D array of whole numbers (CaImAn's ``idx_components``; a MATLAB (1, k) or (k, 1)
    array flattened), or None (the string 'NoneType': not evaluated)."""
    a = np.asarray(v)
    if a.dtype.kind not in "iuf" or a.ndim > 2 or (a.ndim == 2 and 1 not in a.shape):
        return None
    a = a.reshape(-1)
    if a.dtype.kind == "f" and not (np.all(np.isfinite(a)) and np.all(a == np.round(a))):
        return None
    return a.astype(np.int64)


def _span(idx: np.ndarray) -> str:
    return f"{idx.size} ({idx.min()}..{idx.max()})" if idx.size else "none"


def _counted_from(good: np.ndarray, bad: np.ndarray | None, n: int) -> int | None:
    """Where CaImAn's component indices count from: 0 (Python's, as CaImAn saves them) or 1
    (MATLAB's), told by ``good`` ∪ ``bad`` (accepted and rejected) numbering each of the ``n``
    components once: 0..n-1 or 1..n. Without ``bad``: 0 if ``good`` fits 0..n-1 (repeats
    not allowed), else None (as when nothing fits)."""
    if bad is None:
        ok = np.unique(good).size == good.size and (not good.size or (good.min() >= 0
                                                                        and good.max() < n))
        return 0 if ok else None
    every = np.sort(np.concatenate([good, bad]))
    for base in (0, 1):
        if every.size == n and np.array_equal(every, np.arange(base, base + n)):
            return base
    return None


def accepted_components(layout: CnmfLayout | None, arrays: dict, key, n_components: int,
                        all_rois: bool, what: str) -> tuple[np.ndarray | None, str | None]:
    """The components of CaImAn traces ``key`` (n_components of them) to keep: those in
    ``estimates/idx_components`` (CaImAn's accepted components), or None to keep them all (no
    evaluation saved, other traces, or ``all_rois``); and the note saying how many were left
    out (or, with ``all_rois``, how many rejected ones were kept).

    The indices count from 0 (CaImAn's) or from 1 (MATLAB's, converted with a note): told by
    ``idx_components`` ∪ ``idx_components_bad`` numbering each component once, 0..N-1 or 1..N
    (``_counted_from``); without ``idx_components_bad``, they must fit 0..N-1. A (1, k) or
    (k, 1) index array is read as k indices. Raises FormatError, naming the counts, for
    indices that fit neither (unless ``all_rois``: every component is kept, with a note).
    """
    if layout is None or layout.who != "CaImAn" or not layout.neuron_major(key) \
            or "idx_components" not in layout.keys:
        return None, None
    good_key = layout.keys["idx_components"]
    idx = _indices(arrays[good_key])
    if idx is None:
        return None, None
    bad_key = layout.keys.get("idx_components_bad")
    bad = _indices(arrays[bad_key]) if bad_key is not None else None
    if bad is None:
        bad_key = None
    base = _counted_from(idx, bad, n_components)
    counts = (f"{good_key!r} lists {_span(idx)} accepted components"
              + (f" and {bad_key!r} {_span(bad)} rejected" if bad is not None else "")
              + f", but {key!r} holds {n_components} components")
    if base is None:
        if all_rois:
            return None, (f"{what}: every one of the {n_components} CaImAn components is kept "
                          f"(--all-rois); {counts}, so which were rejected is not known; "
                          "neurons are named by component index (counted from 0)")
        from_one = bool(idx.size) and idx.min() >= 1 and idx.max() <= n_components
        raise FormatError(
            f"{what}: {counts}: "
            + ("together they should number each component once, from 0 (CaImAn's) or from 1 "
               "(MATLAB's)" if bad is not None else
               f"counted from 0 (CaImAn's) they should lie in 0..{n_components - 1}"
               + (" without repeats" if np.unique(idx).size != idx.size else "")
               + ("; counted from 1 (MATLAB's) they would fit, but without "
                  "idx_components_bad beside them that cannot be told from indices of "
                  "another run" if from_one else "")),
            "the file is inconsistent: import every component with --all-rois "
            "(all_rois=True), or the traces of the run the indices belong to"
            + ("; if they count from 1, save idx_components_bad too (or subtract 1)"
               if from_one and bad is None else ""))
    keep = np.sort(idx) - base
    shifted = (f" (counted from 1 in the file, as MATLAB counts: {good_key!r} and {bad_key!r} "
               f"number the components 1..{n_components}; read as 0..{n_components - 1})"
               if base else "")
    n_bad = n_components - idx.size
    if all_rois:
        return None, (f"{what}: every one of the {n_components} CaImAn components is kept "
                      f"(--all-rois), {n_bad} of them rejected by CaImAn's evaluation "
                      f"({bad_key or good_key!r}){shifted}; neurons are named by component "
                      "index (counted from 0)")
    if not idx.size:
        raise FormatError(f"{what}: {good_key!r} accepts none of the {n_components} CaImAn "
                          "components", "import them all with --all-rois (all_rois=True)")
    return keep, (f"{what}: {keep.size} of the {n_components} CaImAn components are accepted "
                  f"({good_key!r}){shifted}; the {n_bad} rejected"
                  + (f" ({bad_key!r})" if bad_key else "") + " are left out, and the neurons are "
                  "named by component index (counted from 0); --all-rois (all_rois=True) keeps "
                  "every component")
