"""Print the model × wiring results table of docs/connectome-models.md from `bench --wiring`
scorecards (with or without `--seeds`).

    PYTHONPATH=src python benchmarks/wiring_table.py LABEL=DIR/scorecard.nc [LABEL=...]

For every scorecard: one markdown row per model and wiring control, with the MAE at steps 1, 8
and 32 averaged over the training conditions and over the held-out condition(s), and the mean
over all steps; with several seeds, the mean over a model's seeds ± the half-width of its 95 %
confidence interval (``neurocast.bench.wiring_cells``). A model that does not use the wiring is
printed once (wiring –). A scorecard without a held-out condition gets '–' there.
"""

from __future__ import annotations

import sys

from neurocast.bench import format_cell, read_scorecard, wiring_cells

STEPS = (1, 8, 32)


def rows(card, label: str, columns) -> list[str]:
    out = []
    for m, by_wiring in wiring_cells(card, steps=STEPS).items():
        for w, cells in by_wiring.items():
            values = [format_cell(*cells[c][:2]) if c in cells else "–" for c in columns]
            seeds = max(v[2] for v in cells.values())
            out.append(f"| {label} | {m} | {w} | {seeds} | " + " | ".join(values) + " |")
    return out


def main() -> None:
    cards = [(arg.split("=", 1)[0], read_scorecard(arg.split("=", 1)[1])) for arg in sys.argv[1:]]
    steps = [s for s in STEPS if s <= min(c.sizes["steps_ahead"] for _, c in cards)]
    columns = [(g, s) for g in ("train", "held-out") for s in [*steps, "mean"]]
    head = " | ".join(f"{g} {'mean' if s == 'mean' else f'step {s}'}" for g, s in columns)
    print(f"| run | model | wiring | seeds | {head} |")
    print("|" + "---|" * (4 + len(columns)))
    for label, card in cards:
        for line in rows(card, label, columns):
            print(line)


if __name__ == "__main__":
    main()
