"""The notes ``run_benchmark`` adds to its scorecard (what was left out and why), and the
checks of its seed options.

``note_*`` each append one kind of note (a training cut short by Ctrl-C, seeds not trained,
conditions too short or left unscored, held-out neurons); ``SEEDS_NOTE`` says what the seed
dimension means; ``check_seed_options`` refuses bad seed/device/step/model-folder options before
anything is fitted; ``ensemble_applies`` says whether the seeds are scored as an ensemble.
"""

from __future__ import annotations

import sys
from pathlib import Path

from neurocast.bench._metrics import WindowStats
from neurocast.data import Protocol
from neurocast.errors import ConfigError, FormatError
from neurocast.models.deep import DEVICES

__all__ = [
    "SEEDS_NOTE",
    "check_seed_options",
    "ensemble_applies",
    "note_dropped",
    "note_hidden",
    "note_short",
    "note_unscored",
    "note_untrained",
]

#: What the seed dimension means (scorecard attr ``seeds_note``, shown in reports).
SEEDS_NOTE = ("learned models are trained once per seed 0..N-1 and their scores are the mean over "
              "seeds, ± the half-width of the 95 % confidence interval of that mean (Student's t with "
              "N-1 degrees of freedom: t(0.975, N-1) · sd / sqrt(N)); a random wiring control "
              "(permuted, rewired) is drawn anew per seed; baselines are deterministic and run once (seed 0)")


def check_seed_options(seeds, device, max_steps, save_models, load_models, cv_folds, out_dir) -> None:
    """Raise ConfigError for bad seed/device/step/model-folder options, before anything is fitted."""
    if int(seeds) < 1:
        raise ConfigError(f"seeds must be at least 1, not {seeds}", "e.g. --seeds 3")
    if device is not None and device not in DEVICES:
        raise ConfigError(f"unknown device {device!r}", f"choose one of: {', '.join(DEVICES)}")
    if max_steps is not None and int(max_steps) < 1:
        raise ConfigError(f"max_steps must be at least 1, not {max_steps}", "e.g. --max-steps 2000")
    if save_models is not None and load_models is not None:
        raise ConfigError("--save-models and --load-models together", "give one of them")
    if (save_models is not None or load_models is not None) and cv_folds:
        raise ConfigError("saving or loading models does not go with --folds (one model per fold)",
                          "leave out --folds")
    if load_models is not None and not Path(load_models).is_dir():
        raise FormatError(f"no model folder '{load_models}'",
                          "give a folder written by neurocast bench --save-models")
    if save_models is not None and Path(save_models).is_file():
        raise ConfigError(f"model folder '{save_models}' is a file", "choose a folder with --save-models")
    if save_models is not None and out_dir is not None:
        models, out = Path(save_models).resolve(), Path(out_dir).resolve()
        if models == out or out in models.parents:  # the scorecard would then not be written there
            raise ConfigError(f"the model folder '{save_models}' is in the output folder '{out_dir}', "
                              "which holds only the files neurocast bench writes",
                              "give the models a folder of their own, e.g. --save-models models/")


def note_dropped(name: str, seed: int, fold, notes: list[str]) -> None:
    """Note (and say on stderr) that Ctrl-C ended a training before its first validation: the
    model of that seed (with folds: of that fold) has no weights and is not scored."""
    where = f"seed {seed}" if fold is None else f"seed {seed} fold {fold.fold}"
    notes.append(f"{name} {where}: training was interrupted (Ctrl-C) before its first validation, "
                 "so it has no weights to score: not scored"
                 + ("; scored on the folds trained before it" if fold is not None and fold.fold else ""))
    print(f"\n{name} {where}: interrupted before its first validation: not scored; training "
          "no other learned model, scoring what is fitted; press Ctrl-C again to abort",
          file=sys.stderr)


def note_untrained(name: str, seeds: list[int], n_scored: int, cv_folds, notes: list[str],
                    started: bool = False) -> None:
    """Say which seeds of a learned model were not trained because Ctrl-C ended a training
    (once one seed is skipped, so are the later ones, saved or not: seeds scored are 0..j).
    started: an earlier seed of it was interrupted before its first validation (noted apart),
    so the note names the seeds not trained even when none of it is scored."""
    which = f"seed{'s' if len(seeds) > 1 else ''} {', '.join(map(str, seeds))}"
    if not n_scored:
        who = f"{name} {which}" if started else name
        notes.append(f"{who}: not trained, as Ctrl-C ended an earlier training; left out of the "
                     "scorecard (run again, with --save-models to keep what was trained)")
    elif cv_folds:
        notes.append(f"{name} {which}: not trained in every fold, as Ctrl-C ended a training; "
                     "scored on the folds trained")
    else:
        notes.append(f"{name} {which}: not trained, as Ctrl-C ended a training; scored over "
                     f"{n_scored} seed{'s' if n_scored > 1 else ''}")



def note_short(folds: list[Protocol], notes: list[str]) -> None:
    """A note for every condition too short to hold a window in some split (``left_out``),
    naming the fold when not every fold leaves out the same."""
    short = [p.left_out() for p in folds]
    for p, lines in zip(folds, short, strict=True):
        for line in lines:
            note = line if all(line in s for s in short) else f"fold {p.fold} of {p.folds}: {line}"
            if note not in notes:
                notes.append(note)


def note_hidden(proto: Protocol, n_neurons: int, notes: list[str]) -> None:
    """Say how many of the ``n_neurons`` scored neurons ``proto.heldout_neurons`` hides, and when
    that is not the fraction asked (at least one is hidden, at least one left to forecast from)."""
    hidden = proto.hidden_neurons(n_neurons)  # ConfigError for fewer than 2 neurons
    if hidden is None:
        return
    k, asked = int(hidden.sum()), proto.heldout_neurons * n_neurons
    why = ""
    if k != round(asked):
        why = (f" ({proto.heldout_neurons:g} × {n_neurons} = {asked:.3g} would leave "
               + ("no neuron hidden" if round(asked) < 1 else "no neuron to forecast from") + ")")
    notes.append(f"held-out neurons: {k} of the {n_neurons} scored neurons {'is' if k == 1 else 'are'} "
                 "hidden (their context "
                 f"is not seen, their forecasts are scored), forecast from the other {n_neurons - k}"
                 f"{why}; neuron seed {proto.neuron_seed}")


def note_unscored(stats: dict[str, WindowStats], bad_frames, breaks, notes: list[str]) -> None:
    """A note for every condition none of whose test windows was scored ({condition: WindowStats}
    of one model; every model skips the same windows): the summaries average the others only."""
    left = [w for w, on in (("NaN windows", bad_frames is not None),
                            ("windows across pauses", breaks is not None)) if on]
    why = f"after skipping {' and '.join(left)}" if left else "under the mask"
    for condition, st in stats.items():
        if not st.count.any():
            notes.append(f"condition {condition}: no test window left {why}; "
                         "it is not scored and not in the mean")


def ensemble_applies(seeds, cv_folds, mask, proto, notes) -> bool:
    """Whether the seeds of a model are scored as an ensemble (CRPS, spread/skill); a note if not.
    (NaN skipping and pauses do not stop it: the ensemble pass leaves out the same windows.)"""
    if seeds < 2:
        return False
    blocked = [why for why, on in (("folds", cv_folds), ("a mask", mask is not None),
                                   ("held-out neurons", proto.heldout_neurons)) if on]
    if blocked:
        notes.append(f"ensemble scores (CRPS, spread/skill) left out: not computed with {', '.join(blocked)}")
    return not blocked
