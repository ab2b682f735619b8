"""`neurocast record NET --stimulus PLAN --out DATASET.zarr`: a synthetic recording with known wiring."""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

from neurocast._files import check_output, require_output_folder
from neurocast.cli._notes import note_gap_junctions
from neurocast.cli._output import count, info, print_json
from neurocast.cli.connectome import read_options
from neurocast.connectome import load_connectome
from neurocast.data import open_dataset
from neurocast.errors import ConfigError
from neurocast.observe import ObserveConfig, get_indicator
from neurocast.record import get_plan, record_to
from neurocast.sim import neuron_model

#: Suffixes of files, not folders: an --out ending in one is refused (a zarr folder named
#: f9.npz misleads); any other dot is part of the name (runs/v1.2, worm_snr0.5).
FILE_SUFFIXES = (".npz", ".npy", ".h5", ".hdf5", ".nc", ".csv", ".tsv", ".parquet", ".json", ".mat",
                 ".nwb", ".txt", ".zip", ".gz")


def run(args: argparse.Namespace) -> int:
    if args.old_protocol is not None:
        raise ConfigError("record takes the stimulus plan as --stimulus PLAN; --protocol now names "
                          "forecasting protocols only (neurocast bench, neurocast protocol)",
                          f"neurocast record {args.network} --stimulus {args.old_protocol} --out {args.out}")
    if args.stimulus is None:
        raise ConfigError("record needs a stimulus plan", "pass --stimulus worm-default (or fly-zap, ...)")
    out = Path(args.out)
    if out.suffix.lower() in FILE_SUFFIXES:  # any other name: a zarr folder there, as data import
        raise ConfigError(f"--out {args.out!r}: record writes a zarr folder, so its name ends in "
                          f".zarr, not {out.suffix!r}", f"e.g. --out {out.with_suffix('.zarr')}")
    if args.frames is not None and args.frames < 1:
        raise ConfigError(f"--frames must be >= 1, got {args.frames}", "e.g. --frames 300")
    if args.snr is not None and not (math.isfinite(args.snr) and args.snr > 0):
        raise ConfigError(f"--snr must be a positive number, and finite, got {args.snr:g}",
                          "e.g. --snr 5 (the 1-spike ΔF/F over the noise s.d.); a large --snr such "
                          "as 1e6 makes the imaging noise negligible, and a recording without it "
                          "comes from the Python API (docs/recordings.md, --snr)")
    plan = get_plan(args.stimulus)  # cheap checks first: a mistake must not cost a simulation
    if args.frames is not None and args.frames > plan.n_frames:
        raise ConfigError(f"--frames {args.frames} is longer than the stimulus plan '{plan.name}' "
                          f"({plan.n_frames:,} frames)",
                          f"use --frames {plan.n_frames} or less (fewer frames shorten every condition)")
    indicator = get_indicator(args.indicator).name
    observe = ObserveConfig(indicator=indicator) if args.snr is None else \
        ObserveConfig(indicator=indicator, snr=args.snr)
    check_output(out, overwrite=args.overwrite, folder=True)  # before reading the connectome
    require_output_folder(out)
    t0 = time.perf_counter()
    network = load_connectome(args.network, **read_options(args))
    path = record_to(args.out, network, plan, seed=args.seed, n_frames=args.frames, observe=observe,
                     spike_counts=not args.no_spikes, overwrite=args.overwrite)
    note_gap_junctions(network, neuron_model(plan.model))  # with the result, not before an error
    wall = time.perf_counter() - t0
    ds = open_dataset(path)
    a = ds.attrs
    summary = {
        "path": str(path), "network": a["source"], "stimulus_plan": a["stimulus_plan"],
        "protocol": a["protocol"], "indicator": a["indicator"], "seed": args.seed,
        "n_frames": int(ds.sizes["time"]), "n_neurons": int(ds.sizes["neuron"]),
        "dt_s": float(a["dt_s"]), "duration_s": float(ds.sizes["time"] * a["dt_s"]),
        "conditions": list(a["conditions"]), "heldout_conditions": list(a["heldout_conditions"]),
        "n_spikes": int(a["n_spikes"]), "warmup_s": float(a.get("warmup_s", 0.0)),
        "sim_s": a["wall_sim_s"], "observe_s": a["wall_observe_s"],
        "wall_s": round(wall, 3),
    }
    if args.json:
        print_json(summary)
    else:
        info(f"recorded {count(summary['n_frames'], 'frame')} × {count(summary['n_neurons'], 'neuron')} "
             f"({summary['duration_s']:.0f} s at {summary['dt_s']} s/frame, {summary['n_spikes']:,} spikes) "
             f"in {summary['wall_s']:.1f} s")
        print(f"{path}  {plan.name} on {summary['network']}: {len(summary['conditions'])} conditions "
              f"({', '.join(summary['conditions'])}); held out: {', '.join(summary['heldout_conditions']) or '-'}")
    return 0
