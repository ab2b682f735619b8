"""Whether a matrix read as ΔF/F is on ΔF/F's scale (private; used by ``load_matrix``).

ΔF/F is a fraction around a baseline of 0. Values of undeclared kind that are positive and far
above it look like raw fluorescence (``raw_note``); values around 0 but a hundred times too
large look like ΔF/F in percent (``percent_note``). Either gets a note (a UserWarning), never a
change: the user declares what the values are (--trace-kind) or rescales them.
"""

from __future__ import annotations

import numpy as np

__all__ = ["PERCENT_DFF_NEGATIVE", "PERCENT_DFF_NOISE", "PERCENT_DFF_P99", "RAW_F_MEDIAN",
           "RAW_F_NONPOSITIVE", "percent_note", "raw_note"]


#: A matrix of undeclared kind whose values are positive with a median above this looks like
#: raw fluorescence (F, e.g. camera counts), not ΔF/F (near 0): ``load_matrix`` warns.
RAW_F_MEDIAN = 10.0
#: ... allowing this fraction of the values to be zero or negative (F minus scaled neuropil
#: dips below 0 now and then; ΔF/F's noise around 0 makes far more of its values negative).
RAW_F_NONPOSITIVE = 0.001


def raw_note(values: np.ndarray, what: str) -> str | None:
    """What to say if (time, neuron) values look like raw fluorescence (``RAW_F_MEDIAN``,
    ``RAW_F_NONPOSITIVE``), else None; the median is taken over up to ~1,000 frames spread
    over the recording."""
    rows = values[::max(1, values.shape[0] // 1000)]
    if not np.isfinite(rows).any():  # nothing to judge (an all-NaN file kept with allow_nan)
        return None
    median = float(np.nanmedian(rows))
    if median <= RAW_F_MEDIAN:
        return None
    low = int(np.count_nonzero(values <= 0))  # NaN compares False
    if low > RAW_F_NONPOSITIVE * max(1, int(np.count_nonzero(np.isfinite(values)))):
        return None
    positive = ("every value is positive" if not low else
                f"all but {low:,} values (zero or negative) are positive")
    return (f"{what}: {positive} and their median is {median:.4g}, far above what ΔF/F takes "
            "(around 0): this looks like raw fluorescence (F), kept unchanged but labelled "
            "ΔF/F; if it is F, import again with --trace-kind fluorescence (--trace-kind dff "
            "declares it ΔF/F)")


#: ΔF/F whose 99th percentile of |values| is above this looks like percent (12.5 for 12.5 %):
#: fractional ΔF/F rarely exceeds a few units even in its largest transients (GCaMP6s bursts:
#: 99th percentile ~3, maximum ~6); high-SNR z-scores reach ~15. With ``percent_note``'s
#: other conditions (``PERCENT_DFF_NEGATIVE``, ``PERCENT_DFF_NOISE``).
PERCENT_DFF_P99 = 20.0
#: ... and at least this fraction of the values negative, as ΔF/F's noise around its baseline
#: of 0 gives (deconvolved spikes have none, fluorescence next to none) ...
PERCENT_DFF_NEGATIVE = 0.01
#: ... and a median |value| of at least this: noise of a few percent (z-scores: 0.67 at most).
PERCENT_DFF_NOISE = 1.0


def percent_note(values: np.ndarray, what: str) -> str | None:
    """What to say if (time, neuron) ΔF/F looks like percent, else None: the 99th percentile of
    |values| above ``PERCENT_DFF_P99``, at least ``PERCENT_DFF_NEGATIVE`` of them negative,
    their median |value| at least ``PERCENT_DFF_NOISE`` and their median within a quarter of
    that percentile of 0 (a baseline at 0, not fluorescence's). Taken over up to ~1,000 frames
    spread over the recording. Raw fluorescence (``raw_note``) is checked first and has its
    own note."""
    rows = values[::max(1, values.shape[0] // 1000)]
    finite = rows[np.isfinite(rows)]
    if not finite.size:
        return None
    mags = np.abs(finite)
    high = float(np.percentile(mags, 99))
    if not (high > PERCENT_DFF_P99 and np.mean(finite < 0) >= PERCENT_DFF_NEGATIVE
            and float(np.median(mags)) >= PERCENT_DFF_NOISE
            and abs(float(np.median(finite))) <= 0.25 * high):
        return None
    return (f"{what}: 1% of the values are beyond ±{high:.4g}, far more than fractional ΔF/F "
            "reaches (a few units at most), around a baseline of 0: this looks like ΔF/F in "
            "percent (12.5 for 12.5 %), kept unchanged; if so, divide the traces by 100 and "
            "import again (errors and plots are otherwise 100 times those of fractional ΔF/F); "
            "if they are fractional ΔF/F, --trace-kind dff declares so and silences this note; "
            "if they are fluorescence, --trace-kind fluorescence")
