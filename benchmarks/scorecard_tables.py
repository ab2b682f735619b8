"""Print Markdown tables of one or more benchmark scorecards (the tables in docs/benchmark.md).

    PYTHONPATH=src python benchmarks/scorecard_tables.py bench-worm/scorecard.nc [more.nc ...]

For every model (the scorecards are read in order; a model found in several is taken from the
first): MAE at steps 1, 8, 32 and the mean over steps, on the training conditions (mean over
them) and on the held-out conditions, each as mean over seeds ± the half-width of its 95 %
confidence interval (Student's t over the seeds' values of that number; no ± for deterministic
models and single seeds); then the seed ensemble's MAE, CRPS and spread/skill (mean over
conditions and steps), training wall time per seed, epochs and parameters.
"""

from __future__ import annotations

import argparse
import json
import re

import numpy as np

from neurocast.bench import read_scorecard, seed_interval

STEPS = (1, 8, 32)


def _cell(per_seed: np.ndarray) -> str:
    """'mean ± ci' of a number given per seed (NaN for seeds a model did not run)."""
    values = per_seed[np.isfinite(per_seed)]
    if values.size == 0:
        return "–"
    mean, half = seed_interval(values)
    return f"{float(mean):.4f}" if values.size < 2 else f"{float(mean):.4f} ± {float(half):.1g}"


def _per_seed(card, model: str, conditions: np.ndarray, step: int | None) -> np.ndarray:
    """MAE per seed: mean over ``conditions`` of step ``step`` (or the mean over steps)."""
    mae = card["score_by_seed"].sel(model=model, metric="mae").values[:, conditions]  # (seed, cond, step)
    mae = mae.mean(axis=2) if step is None else mae[:, :, step - 1]
    return mae.mean(axis=1)


def _mean(card, var: str, model: str, conditions: np.ndarray) -> str:
    if var not in card:
        return "–"
    v = card[var].sel(model=model).values[conditions]
    return "–" if not np.isfinite(v).any() else f"{float(np.nanmean(v)):.4f}"


def tables(paths) -> str:
    cards = [read_scorecard(p) for p in paths]
    first = cards[0]
    held = first["heldout"].values.astype(bool)
    h = int(first.sizes["steps_ahead"])
    steps = [s for s in STEPS if s <= h]
    lines = []
    for title, conds in (("training conditions (mean over them)", ~held), ("held-out condition", held)):
        if not conds.any():
            continue
        names = ", ".join(first["condition"].values[conds].tolist())
        lines += [f"MAE, {title}: {names}", ""]
        head = ["model", "seeds", *(f"step {s}" for s in steps), f"mean 1–{h}", "ensemble MAE", "CRPS",
                "spread/skill"]
        lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        seen = set()
        for card in cards:
            for m in card["model"].values.tolist():
                if m in seen:
                    continue
                seen.add(m)
                cells = [f"`{m}`", str(int(card["n_seeds"].sel(model=m)))]
                cells += [_cell(_per_seed(card, m, conds, s)) for s in (*steps, None)]
                cells += [_mean(card, v, m, conds) for v in ("ensemble_mae", "crps", "spread_skill")]
                lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    lines += ["Training (learned models, per seed):", "",
              "| model | seeds | max steps | steps | epochs | train s per seed | parameters |", "|---|---|---|---|---|---|---|"]
    seen = set()
    for card in cards:
        if "train_s" not in card:
            continue
        for m in card["model"].values.tolist():
            t = card["train_s"].sel(model=m).values
            if m in seen or not np.isfinite(t).any():
                continue
            seen.add(m)
            steps_run = card["steps"].sel(model=m).values
            lines.append(f"| `{m}` | {int(card['n_seeds'].sel(model=m))} | {_max_steps(card, m)} | "
                         f"{', '.join(str(int(s)) for s in steps_run[np.isfinite(steps_run)])} | "
                         f"{np.nanmean(card['epochs'].sel(model=m).values):.1f} | {np.nanmean(t):.0f} | "
                         f"{int(card['n_parameters'].sel(model=m)):,} |")
    return "\n".join(lines)


def _max_steps(card, model: str) -> str:
    """The training cap of the model, from the scorecard's provenance (``models`` attr)."""
    found = re.search(r"max_steps\W+(\d+|null)", json.dumps(json.loads(card.attrs["models"])[model]["config"]))
    if not found:
        return "?"
    # no cap (null); scorecards written before the cap became optional hold 1,000,000 for it
    return "early stopping" if found.group(1) in ("null", "1000000") else f"{int(found.group(1)):,}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scorecards", nargs="+", help="scorecard.nc files written by neurocast bench")
    print(tables(parser.parse_args().scorecards))


if __name__ == "__main__":
    main()
