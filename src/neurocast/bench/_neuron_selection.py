"""Which neurons the benchmark fits and scores, and which frames it leaves out among them.

Dead/constant channels are left out unless kept (they only reward predicting a flat line); NaN
or inf in the traces follow the NaN policy (``NAN_POLICIES``): refused, the neurons holding them
left out, or the frames holding them marked so that every window touching one is left out of
fitting and scoring (``bad_frames``). Each choice adds a note saying what was left out.
"""

from __future__ import annotations

import numpy as np

from neurocast.data import as_str, scan_traces
from neurocast.errors import ConfigError, NonFiniteError

__all__ = ["NAN_POLICIES", "select_neurons"]

#: What run_benchmark does with NaN/inf in the traces (real recordings have gaps).
NAN_POLICIES = {
    "raise": "refuse traces holding NaN/inf (the default: nothing is dropped silently)",
    "skip-windows": "leave every window whose context or target touches a NaN out of fitting and scoring",
    "mask-neurons": "leave every neuron holding a NaN out of fitting and scoring",
}


def select_neurons(ds, nan: str, keep_constant: bool, notes: list[str]):
    """Which neurons are fitted and scored, and which frames are bad (NaN) among them.

    Returns (keep bool (neuron,), bad_frames bool (time,) or None, {reason: [names]}).
    Uses the constant channels and NaN count the store recorded on import when it has them,
    else scans the traces once. Dead channels (NaN throughout) kept by ``keep_constant`` are a
    NonFiniteError under nan 'raise' and 'skip-windows' (they would leave every window out).
    """
    names = as_str(ds["neuron"].values)
    attrs = ds.attrs
    scan = None
    if "constant_neurons" in attrs and int(attrs.get("n_nan_values", -1)) == 0:
        constant = np.isin(names, [str(c) for c in attrs["constant_neurons"]])
        nan_per_neuron = np.zeros(names.size, dtype=np.int64)
    else:
        scan = scan_traces(ds["traces"])
        constant, nan_per_neuron = scan.constant, scan.nan_per_neuron
    keep = np.ones(names.size, dtype=bool)
    left_out: dict[str, list[str]] = {}
    if not keep_constant and constant.any():
        keep &= ~constant
        left_out["constant"] = names[constant].tolist()
        notes.append(f"{int(constant.sum())} dead/constant channel(s) left out of fitting and scoring "
                     f"(e.g. {', '.join(names[constant][:3])}); keep them with --keep-constant")
    has_nan = (nan_per_neuron > 0) & keep
    bad_frames = None
    dead = np.zeros(names.size, dtype=bool)  # dead channels (no value at all) kept by keep_constant
    if has_nan.any():
        n_values = int(nan_per_neuron[keep].sum())
        dead = has_nan & scan.empty
        if nan == "raise":
            frames = np.flatnonzero(scan.bad_frames_among(keep, ds["traces"]))
            raise NonFiniteError(
                f"the traces hold {n_values} NaN/inf value(s) in {int(has_nan.sum())} neuron(s) "
                f"(e.g. {', '.join(names[has_nan][:3])}) and {frames.size} frame(s), the first at "
                f"frame {frames[0]}",
                "they are dead channels, with no value at all: leave out --keep-constant (they are "
                "then left out like constant channels) or use --nan mask-neurons" if dead[has_nan].all()
                else
                "leave out the windows that touch them (--nan skip-windows) or those neurons "
                "(--nan mask-neurons)")
        if nan == "mask-neurons":
            keep &= ~has_nan
            left_out["nan"] = names[has_nan].tolist()
            notes.append(f"{int(has_nan.sum())} neuron(s) holding NaN/inf left out of fitting and scoring")
        else:
            if dead.any():  # every window touches their NaN
                raise NonFiniteError(
                    f"{int(dead.sum())} dead channel(s) with no value at all (e.g. "
                    f"{', '.join(names[dead][:3])}) are kept by --keep-constant: every window "
                    "touches their NaN, so --nan skip-windows leaves nothing to fit or score",
                    "leave out --keep-constant (dead channels are then left out like constant "
                    "channels)")
            bad_frames = scan.bad_frames_among(keep, ds["traces"])
            notes.append(f"{int(bad_frames.sum())} frame(s) hold NaN/inf: windows touching them left out "
                         "of fitting and scoring (counted in n_windows_skipped)")
    if not keep.any():
        ways = ([] if "nan" not in left_out else [
            "--nan skip-windows (leaves out only the windows that touch NaN)"
            + (" without --keep-constant (which keeps the dead channels)" if dead.any() else "")]) + \
               ([] if "constant" not in left_out else ["--keep-constant"])
        raise ConfigError("no neuron left to score: every channel is constant or holds NaN",
                          "check the recording, or keep neurons with " + " and ".join(ways))
    return keep, bad_frames, left_out
