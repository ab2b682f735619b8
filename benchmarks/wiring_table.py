"""Print the model × wiring results table of docs/connectome-models.md from `bench --wiring`
scorecards.

    PYTHONPATH=src python benchmarks/wiring_table.py LABEL=DIR/scorecard.nc [LABEL=...]

For every scorecard: one markdown row per model and wiring, with the MAE at steps 1, 8 and 32
averaged over the training conditions and over the held-out condition(s), and the mean over
all steps; a model that does not use the wiring is printed once (its scores are the same
under every control).
"""

from __future__ import annotations

import sys

import numpy as np

from neurocast.bench import read_scorecard

STEPS = (1, 8, 32)


def rows(card, label: str, steps) -> list[str]:
    held = card["heldout"].values.astype(bool)
    mae = card["score"].sel(metric="mae")
    out = []
    for m in card["model"].values.tolist():
        per_wiring = mae.sel(model=m)
        same = all(np.array_equal(per_wiring.isel(wiring=0).values, per_wiring.isel(wiring=k).values,
                                  equal_nan=True) for k in range(card.sizes["wiring"]))
        for w in card["wiring"].values.tolist()[:1] if same else card["wiring"].values.tolist():
            v = per_wiring.sel(wiring=w).values  # (condition, step)
            if not np.isfinite(v).any():
                continue
            cells = []
            for mask in (~held, held):
                cells += [f"{np.nanmean(v[mask, s - 1]):.4f}" for s in steps]
                cells.append(f"{np.nanmean(v[mask]):.4f}")
            out.append(f"| {label} | {m} | {'–' if same else w} | " + " | ".join(cells) + " |")
    return out


def main() -> None:
    cards = [(arg.split("=", 1)[0], read_scorecard(arg.split("=", 1)[1])) for arg in sys.argv[1:]]
    steps = [s for s in STEPS if s <= min(c.sizes["steps_ahead"] for _, c in cards)]
    head = " | ".join([f"train step {s}" for s in steps] + ["train mean"]
                      + [f"held-out step {s}" for s in steps] + ["held-out mean"])
    print(f"| run | model | wiring | {head} |")
    print("|" + "---|" * (3 + 2 * (len(steps) + 1)))
    for label, card in cards:
        for line in rows(card, label, steps):
            print(line)


if __name__ == "__main__":
    main()
