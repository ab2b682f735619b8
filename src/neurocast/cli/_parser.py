"""Every argument of the ``neurocast`` command, in one place.

Building the parser imports nothing of the library (only argparse and the plain defaults), so
``neurocast --help`` and ``--version`` are fast; the module of a subcommand (``cli/NAME.py``)
is imported only when that subcommand runs. Choices that come from registries (models, plans,
indicators, formats) are checked by the library when the command runs, with near-match hints.
To add a subcommand: a function here that adds its parser, one entry in ``SUBCOMMANDS``, and a
module ``cli/NAME.py`` with ``run(args) -> int``.
"""

from __future__ import annotations

import argparse
import math

from neurocast._defaults import DEFAULT_CONTEXT, DEFAULT_HORIZON, DEFAULT_INDICATOR, DEFAULT_MODELS

__all__ = ["SUBCOMMANDS", "build_parser"]

TOP_SHOWN = 10
#: ``bench --models`` given alone (list the models); ``--models ""`` is an empty list (an error).
LIST_MODELS = "\x00list"


class _Parser(argparse.ArgumentParser):
    """argparse in the CLI's error format: one ``neurocast: error:`` line, a hint, exit status 2."""

    def error(self, message: str):
        self.exit(2, f"neurocast: error: {message}\n  hint: see '{self.prog} --help'\n")


def _whole(text: str) -> int:
    """A count: a whole number, also written as 1e6 or 1_000_000. Digits are read exactly, at
    any size; a number with a point or an exponent only below 2**53, where a float holds
    every whole number exactly (1e30 is not the 31-digit number a user means)."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {text!r}") from None
    if not value.is_integer():
        raise argparse.ArgumentTypeError(f"expected a whole number, not {text!r}")
    if abs(value) >= 2**53:
        raise argparse.ArgumentTypeError(f"expected a whole number written in digits, not {text!r} "
                                         "(a number in exponent form is exact only below 2**53)")
    return int(value)


def _seed(text: str) -> int:
    """A random seed: a whole number >= 0, of any size (numpy's generators take no negative
    seed, and any non-negative integer; a 128-bit seed is what numpy recommends). Results keep
    it exactly (netCDF attributes beyond int32 as text)."""
    value = _whole(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"a seed is a whole number >= 0, not {text!r} (e.g. 0)")
    return value


def _count(text: str) -> int:
    """A count of at least one (seeds, training steps): a whole number >= 1."""
    value = _whole(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, not {text!r}")
    return value


def _share(text: str) -> float:
    """A fraction of the neurons held out: a number in [0, 1)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a fraction in [0, 1), not {text!r}") from None
    if not 0.0 <= value < 1.0:  # NaN fails too
        raise argparse.ArgumentTypeError(f"expected a fraction in [0, 1), not {text!r} (e.g. 0.1)")
    return value


def _seconds(text: str) -> float:
    """A time in seconds: a positive, finite number."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, not {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, not {text!r}")
    return value


def _common(p: argparse.ArgumentParser) -> None:
    """--json, and -q also after the subcommand (it is accepted before it too)."""
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
                   help="no progress bars")


def _window(p: argparse.ArgumentParser) -> None:
    p.add_argument("--context", type=_whole, default=DEFAULT_CONTEXT,
                   help=f"context frames C (default {DEFAULT_CONTEXT})")
    p.add_argument("--horizon", type=_whole, default=DEFAULT_HORIZON,
                   help=f"frames ahead H (default {DEFAULT_HORIZON})")


def _demo(sub) -> None:
    p = sub.add_parser("demo", help="end to end: record the worm dataset, benchmark the baselines and a learned model")
    p.add_argument("--dataset", default="worm-default",
                   help="dataset path or name to benchmark (default: worm-default, recorded on first use)")
    p.add_argument("--out", default=None, help="output folder (default: <cache>/demo)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace the files of an output folder that neurocast wrote")
    _common(p)


def _connectome_read_options(p: argparse.ArgumentParser, title: str = "reading files") -> None:
    g = p.add_argument_group(title)
    g.add_argument("--from", dest="from_format", metavar="FORMAT",
                   help="force the reader: npz, flywire, flywire-release, neuprint or edgelist "
                        "(default: recognised)")
    g.add_argument("--columns", metavar="MAP",
                   help="generic edge list column mapping, e.g. pre=pre_root_id,post=post_root_id,"
                        "count=syn_count[,sign=COL][,weight=COL][,transmitter=COL]; and the "
                        "neuron table's (--neurons) columns: [id=COL][,name=COL][,type=COL]; "
                        "these alone name only neuron table columns, with any format (read by "
                        "its own reader)")
    g.add_argument("--neurons", metavar="PATH", help="neuron table for a single edge-table file")
    g.add_argument("--sum-duplicates", action="store_true",
                   help="add the counts of repeated pre→post rows (default: reject them)")


def _connectome(sub) -> None:
    p = sub.add_parser("connectome", help="list, inspect and convert connectomes")
    csub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    _common(csub.add_parser("list", help="list the built-in connectomes"))
    ip = csub.add_parser("info", help="statistics of a built-in connectome or a file")
    ip.add_argument("source", metavar="NAME|PATH")
    _common(ip)
    _connectome_read_options(ip)
    cp = csub.add_parser(
        "convert", help="convert a connectome between formats (npz, flywire, neuprint, edgelist)",
        description="Read SRC (built-in name, file or folder; format recognised from the path and "
                    "the column names) and write DST (format from --to, else from the suffix: "
                    ".npz native, .csv/.parquet edge list). See docs/connectomes.md.")
    cp.add_argument("source", metavar="SRC", help="built-in name, file or folder")
    cp.add_argument("destination", metavar="DST", help="output file or folder")
    cp.add_argument("--to", dest="to_format", metavar="FORMAT",
                    help="output format: npz, flywire, neuprint or edgelist "
                         "(needed when DST has no .npz/.csv/.parquet suffix)")
    cp.add_argument("--overwrite", action="store_true", help="replace DST if it exists")
    _common(cp)
    _connectome_read_options(cp)


def _simulate(sub) -> None:
    p = sub.add_parser(
        "simulate", help="simulate a connectome with the Shiu et al. 2024 LIF model",
        description="Drive some neurons with Poisson input, optionally silence others, and "
                    "report which neurons respond (Shiu et al. 2024 fly-brain LIF model).")
    p.add_argument("network", metavar="NET", help="built-in connectome name or connectome file")
    p.add_argument("--model", default="shiu",
                   help="neuron model: shiu (published, default), shiu-adapt (with "
                        "spike-frequency adaptation), graded (Kunert et al. 2014) or a plug-in's")
    p.add_argument("--stimulate", metavar="NAMES|random:K",
                   help="neurons driven by Poisson input: comma-separated names or ids (the id "
                        "of a name holding a comma), or random:K for K neurons picked with --seed")
    p.add_argument("--rate", type=float, default=None, metavar="HZ",
                   help="Poisson rate of the drive in Hz (default: the model's, 150); needs "
                        "--stimulate (or --sweep stimulate:each)")
    p.add_argument("--silence", metavar="NAMES|random:K",
                   help="neurons whose outgoing synapses are set to zero (they still fire on their "
                        "input): comma-separated names or ids, or random:K for K neurons picked "
                        "with --seed among those not driven; a neuron cannot be both")
    p.add_argument("--duration", type=float, default=1.0, metavar="S", help="simulated seconds (default 1)")
    p.add_argument("--trials", type=_whole, default=1, metavar="N",
                   help="independent trials, seeds SEED, SEED+1, ... (default 1); commands that "
                        "must share no trial take seeds N apart: --seed 0, --seed N, ...")
    p.add_argument("--seed", type=_seed, default=0, metavar="K", help="random seed (default 0)")
    p.add_argument("--dt", type=float, default=None, metavar="MS",
                   help="time step in ms (default: the model's, 0.1); must divide the 1.8 ms delay "
                        "and the 2.2 ms refractory period")
    p.add_argument("--mode", default="fast",
                   help="engine: fast (default: event-driven, dense when much of the network is "
                        "active), event (event-driven only) or reference (dense, slow); the same "
                        "spikes")
    p.add_argument("--out", metavar="FILE", help="write spikes to FILE (.parquet or .npz); with "
                   "several trials, one file per trial: FILE.trial000.parquet, ...")
    p.add_argument("--plot", metavar="FILE.png", help="write a raster + rate plot of the responding neurons")
    p.add_argument("--overwrite", action="store_true", help="replace existing --out / --plot files")
    p.add_argument("--top", type=_whole, default=TOP_SHOWN, metavar="K",
                   help=f"responding neurons listed (and plotted x4) (default {TOP_SHOWN})")
    g = p.add_argument_group("screens on a Dask cluster (needs the 'dask' extra)")
    g.add_argument("--sweep", metavar="KIND",
                   help="run many experiments as Dask tasks: silence:each or stimulate:each (one "
                        "experiment per neuron of --of), or PARAM=V1,V2,... (a grid of a model "
                        "parameter, e.g. w_syn_mv=0.2,0.3 or rate_hz=50,100); --out FILE.zarr "
                        "gets the rates (experiment x neuron)")
    g.add_argument("--of", metavar="NAMES|random:K",
                   help="the neurons of silence:each / stimulate:each")
    g.add_argument("--workers", type=_whole, default=None, metavar="W",
                   help="worker processes of the --sweep's local Dask cluster (default 2)")
    g.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="use a running Dask scheduler (e.g. tcp://host:8786) instead of a local cluster")
    _common(p)
    _connectome_read_options(p)


def _record(sub) -> None:
    p = sub.add_parser(
        "record", help="simulate a connectome under a stimulus plan and image it (ΔF/F dataset)",
        description="Simulate NET under a stimulus plan, pass the spikes through a calcium "
                    "imaging model and write a zarr Dataset with the true connectome inside.")
    p.add_argument("network", metavar="NET", help="built-in connectome name or connectome file")
    _connectome_read_options(p)
    p.add_argument("--stimulus", metavar="PLAN",
                   help="stimulus plan: worm-default, fly-zap, ... (an unknown name lists them)")
    p.add_argument("--protocol", dest="old_protocol", metavar="NAME", help=argparse.SUPPRESS)
    p.add_argument("--out", required=True, metavar="DATASET.zarr",
                   help="output dataset (zarr folder): NAME.zarr, or a name without a file suffix "
                        "such as .npz or .h5")
    p.add_argument("--indicator", default=DEFAULT_INDICATOR, metavar="NAME",
                   help=f"calcium indicator preset (default {DEFAULT_INDICATOR})")
    p.add_argument("--seed", type=_seed, default=0, metavar="K", help="random seed (default 0)")
    p.add_argument("--frames", type=_count, default=None, metavar="N",
                   help="record only N frames (conditions shortened in proportion), for quick runs; "
                        "bench's default protocol needs 10 H + 2 frames per condition and 256 + H + 2 "
                        "per held-out one (worm-default: N >= 2254 at H = 32)")
    p.add_argument("--snr", type=float, default=None,
                   help="1-spike ΔF/F over noise s.d., a finite number > 0 (default 5; so low that "
                        "the noise drives the baseline F0 to zero stops the recording, and the error "
                        "gives a safe value)")
    p.add_argument("--no-spikes", action="store_true", help="do not store spike counts per frame")
    p.add_argument("--overwrite", action="store_true", help="replace an existing output")
    _common(p)


def _data(sub) -> None:
    p = sub.add_parser("data", help="list, inspect, import, plot datasets and measure their realism")
    dsub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    _common(dsub.add_parser("list", help="built-in datasets and user datasets in the cache"))
    ip = dsub.add_parser("info", help="shape, duration, conditions, sampling and source of a dataset")
    ip.add_argument("dataset", metavar="DATASET", help="a dataset name or a .zarr path")
    _common(ip)
    mp = dsub.add_parser("import", help="convert a real recording (ZAPBench zarr, NWB, suite2p, "
                         "matrix, ...) to a dataset")
    mp.add_argument("source", metavar="SRC")
    mp.add_argument("out", metavar="DST.zarr")
    mp.add_argument("--format", default=None, help="recording format: zapbench, nwb, suite2p, "
                    "matrix, or a plug-in's (default: from SRC: .nwb, suite2p output (a plane "
                    "folder, its F.npy or the suite2p folder), a matrix suffix such as "
                    ".csv/.parquet/.npy/.h5, or a zarr folder)")
    mp.add_argument("--dt-s", type=_seconds, default=None,
                    help="seconds per frame (matrix: only if the file has no timestamps or frame "
                         "interval; suite2p default 1/fs from ops.npy; zapbench default 0.9141)")
    mp.add_argument("--all-rois", action="store_true",
                    help="keep every ROI, not only the accepted ones: suite2p's iscell.npy "
                         "cells, CaImAn's idx_components, Inscopix's accepted cells")
    mp.add_argument("--names", default=None,
                    help="text file with one neuron name per line (a blank line = an unnamed neuron)")
    mp.add_argument("--resample", type=_seconds, default=None, metavar="S",
                    help="interpolate uneven frames onto a uniform grid of S seconds (default: keep "
                         "the file's own timestamps); at most 10x finer than the recorded "
                         "frame interval, and an upsampling is noted")
    mp.add_argument("--connectome", default=None, metavar="FILE",
                    help="attach this connectome (its neuron names must match the recording's)")
    mp.add_argument("--key", default=None, help="array inside an .npz/HDF5/MATLAB/JSON file, "
                    "or the sheet of an Excel workbook; one recording of a file holding several: "
                    "GROUP/K (K from 1), GROUP/K/ARRAY")
    mp.add_argument("--series", default=None,
                    help="NWB RoiResponseSeries to read, when the file holds several and none is "
                         "clearly the signal (ΔF/F is preferred, then not the reference channel)")
    mp.add_argument("--transpose", action="store_true", help="matrix is stored neuron × time")
    mp.add_argument("--stimulus-columns", default=None, metavar="NAME[,NAME...]",
                    help="matrix: the table columns (or a container's 1-D arrays, one number per "
                         "frame) to read as the stimulus covariates, not as neurons; names "
                         "compared ignoring case, a unit in brackets optional ('laser' for "
                         "'Laser (mW)')")
    mp.add_argument("--conditions", default=None,
                    help="condition frame offsets and names: '0,600,1200:rest,stim' "
                         "(zapbench default: ZAPBench's 9 conditions)")
    mp.add_argument("--heldout", default=None,
                    help="held-out condition names, e.g. 'odor' (zapbench default: taxis)")
    mp.add_argument("--allow-nan", action="store_true", help="keep NaN/inf (consumers must mask)")
    mp.add_argument("--trace-kind", default=None, metavar="KIND",
                    help="matrix: what the values are, dff (ΔF/F, assumed if not given) or "
                         "fluorescence (raw F; data info and bench then say so)")
    mp.add_argument("--overwrite", action="store_true", help="replace an existing output")
    _common(mp)
    _connectome_read_options(mp, "reading the --connectome file")
    ap = dsub.add_parser("attach", help="attach a connectome to a dataset (neuron names must match)")
    ap.add_argument("dataset", metavar="DATASET", help="a dataset name or a .zarr path")
    ap.add_argument("connectome", metavar="CONNECTOME", help="built-in connectome name or file")
    ap.add_argument("--overwrite", action="store_true", help="replace an attached connectome")
    _common(ap)
    _connectome_read_options(ap)
    vp = dsub.add_parser("verify", help="read every chunk and the stored connectome; report damage")
    vp.add_argument("dataset", metavar="DATASET", help="a dataset name or a .zarr path")
    _common(vp)
    pp = dsub.add_parser("plot", help="heatmap of traces sorted by similarity, or traces beside spikes")
    pp.add_argument("dataset", metavar="DATASET")
    pp.add_argument("--out", required=True, help="image file to write (PNG/PDF/SVG)")
    pp.add_argument("--kind", default="heatmap", choices=("heatmap", "traces"),
                    help="heatmap: all neurons; traces: example traces (above their spikes, in synthetic recordings)")
    pp.add_argument("--neurons", default=None, help="traces: names to show, e.g. AVAL,ASHL")
    pp.add_argument("--frames", default=None, help="traces: frame range START:STOP")
    pp.add_argument("--sort", default=None, choices=("cluster", "pc", "none"),
                    help="heatmap: order of the rows (default cluster)")
    pp.add_argument("--max-rows", type=_whole, default=None,
                    help="heatmap: at most this many rows, neurons binned (default 1000)")
    pp.add_argument("--seed", type=_seed, default=None,
                    help="heatmap: seed of the neuron subsample for sorting (default 0)")
    pp.add_argument("--overwrite", action="store_true")
    _common(pp)
    sp = dsub.add_parser("stats", help="realism statistics (autocorrelation, correlations, dimensionality) "
                                       "against real recordings")
    sp.add_argument("dataset", metavar="DATASET", help="a dataset name or a .zarr path")
    sp.add_argument("--reference", default=None, metavar="DATASET_OR_TABLE",
                    help="celegans, zebrafish, all (shipped table of real recordings), a .csv table, "
                         "or another dataset (default: celegans for C. elegans, else zebrafish)")
    sp.add_argument("--seed", type=_seed, default=0, help="seed of the 140-neuron subsets")
    sp.add_argument("--plots", default=None, metavar="DIR", help="write the realism plots into DIR")
    sp.add_argument("--overwrite", action="store_true",
                    help="replace the files of a --plots folder that neurocast wrote")
    _common(sp)


def _protocol(sub) -> None:
    p = sub.add_parser("protocol", help="forecasting protocols: conditions, splits and windows")
    psub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    _common(psub.add_parser("list", help="list the protocol presets"))
    sp = psub.add_parser("show", help="every condition × split with frames [start, stop) and windows")
    sp.add_argument("name", metavar="NAME", nargs="?", default=None,
                    help="zapbench, conditions or single (default with --dataset: the one bench "
                         "uses for it)")
    sp.add_argument("--frames", type=_count, default=None, help="number of frames (needed by 'single')")
    sp.add_argument("--dataset", default=None,
                    help="take the conditions (and frames) from this dataset (path or name)")
    _window(sp)
    _common(sp)


def _bench(sub) -> None:
    p = sub.add_parser("bench", help="benchmark forecasters on a dataset (scorecard, plots, report)")
    p.add_argument("dataset", metavar="DATASET", nargs="?",
                   help="a dataset store path or name (see `neurocast data list`; 'hcp-rest' = HCP fMRI)")
    p.add_argument("--models", nargs="?", const=LIST_MODELS, default=None, metavar="a,b,c",
                   help=f"comma-separated model names (default: {','.join(DEFAULT_MODELS)}); "
                        "--models alone lists the available models")
    _window(p)
    p.add_argument("--protocol", default=None,
                   help="zapbench, conditions or single (default: the dataset's own, else conditions "
                        "if it has several, else single)")
    p.add_argument("--metrics", default=None, metavar="a,b",
                   help="comma-separated metric names (default: every registered metric: mae, mse, ...)")
    p.add_argument("--group-by", default=None, metavar="COLUMN",
                   help="also score neuron groups, e.g. 'type' (a column of the dataset's connectome)")
    p.add_argument("--nan", default="raise", choices=("raise", "skip-windows", "mask-neurons"),
                   help="NaN gaps: raise (default), skip-windows (leave out windows touching a NaN) "
                        "or mask-neurons (leave out neurons holding a NaN)")
    p.add_argument("--folds", type=_whole, default=0, metavar="K",
                   help="blocked cross-validation: K interleaved test blocks per training condition, "
                        "gaps of C + H frames around each (default 0: the temporal 70/10/20 split)")
    p.add_argument("--keep-constant", action="store_true",
                   help="also score dead/constant channels (left out by default)")
    p.add_argument("--heldout-neurons", type=_share, default=0.0, metavar="FRACTION",
                   help="hide this fraction of the neurons (chosen by --neuron-seed) from the test "
                        "contexts and score only them (default 0: none)")
    p.add_argument("--neuron-seed", type=_seed, default=0, help="seed of the held-out neuron draw")
    p.add_argument("--wiring", default=None, metavar="a,b",
                   help="run the connectome models (connectome-linear, connectome-rate) under each "
                        "wiring control: true, permuted, rewired, none, lowrank (connectome-rate "
                        "only); the scorecard gets a 'wiring' dimension")
    p.add_argument("--no-realism", action="store_true",
                   help="leave the realism statistics of the recording (docs/realism.md) out of the report")
    p.add_argument("--out", default=None, help="output folder (default: ./bench-<dataset name>)")
    p.add_argument("--overwrite", action="store_true", help="replace the files of an existing output folder")
    g = p.add_argument_group("learned models (linear-mae, timemix, tsmixer, tide, population; the 'deep' extra)")
    g.add_argument("--seeds", type=_count, default=1, metavar="N",
                   help="train each learned model with seeds 0..N-1: scores become the mean and 95 %% CI "
                        "over seeds, and with N >= 2 the seeds form an ensemble (CRPS, spread/skill); "
                        "baselines are deterministic and run once (default 1)")
    g.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"),
                   help="where learned models train and predict: auto (a GPU when torch sees one, "
                        "default), cpu or cuda")
    g.add_argument("--max-steps", type=_count, default=None, metavar="K",
                   help="stop training after K steps at most (default: early stopping on val MAE decides)")
    g.add_argument("--save-models", default=None, metavar="DIR",
                   help="save every trained model to DIR/NAME-seedK.pt (weights, config, dataset and "
                        "code version); a model DIR already holds for the same dataset, configuration "
                        "and splits is loaded, not trained again (rerun to resume or add seeds)")
    g.add_argument("--load-models", default=None, metavar="DIR",
                   help="load the learned models from DIR (written by --save-models) instead of "
                        "training them; a model fitted on another dataset is refused")
    g = p.add_argument_group("evaluation on a Dask cluster, for datasets larger than memory "
                             "(needs the 'dask' extra; the scorecard is the same)")
    g.add_argument("--dask", action="store_true",
                   help="score the test windows as Dask tasks on a local cluster")
    g.add_argument("--workers", type=_whole, default=None, metavar="W",
                   help="worker processes of the local cluster (default 2; with --dask)")
    g.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="use a running Dask scheduler (e.g. tcp://host:8786); implies --dask")
    g.add_argument("--chunk-windows", type=_whole, default=None, metavar="K",
                   help="test windows per task (default: 4 batches of ~128 MiB of forecasts)")
    _common(p)


def _infer(sub) -> None:
    p = sub.add_parser("infer", help="infer connectivity from a recording and score it against the true wiring")
    p.add_argument("dataset", metavar="DATASET", nargs="?",
                   help="a dataset store path or name (see `neurocast data list`)")
    p.add_argument("--truth", default=None, metavar="CONNECTOME",
                   help="the true connectome (built-in name or file; default: the one stored with the dataset)")
    p.add_argument("--methods", nargs="?", const=LIST_MODELS, default=None, metavar="a,b",
                   help="comma-separated methods (default: every method that applies; pearson, partial, "
                        "ridge, ridge-deconv, xcorr, challenge, ridge-sparse, and plug-ins'); "
                        "--methods alone lists them")
    p.add_argument("--observed", type=float, default=1.0, metavar="FRACTION",
                   help="use a random share of the neurons, 0 < FRACTION <= 1 (default 1: all)")
    p.add_argument("--seed", type=_seed, default=0,
                   help="seed of the observed subset and of the sample of non-edges (default 0)")
    p.add_argument("--nan", default="raise", choices=("raise", "mask-neurons", "skip-frames"),
                   help="NaN gaps: raise (default), mask-neurons (leave out the neurons holding "
                        "NaN) or skip-frames (leave out the frames holding NaN; lagged methods "
                        "never pair frames across them)")
    p.add_argument("--out", default=None, help="output folder (default: ./infer-<dataset name>)")
    _common(p)
    _connectome_read_options(p, "reading the --truth file")


#: subcommand -> the function that adds its parser, in the order ``neurocast --help`` lists them.
SUBCOMMANDS = {
    "demo": _demo,
    "connectome": _connectome,
    "simulate": _simulate,
    "record": _record,
    "data": _data,
    "protocol": _protocol,
    "bench": _bench,
    "infer": _infer,
}


def build_parser(version: str) -> argparse.ArgumentParser:
    """The whole command line; ``args.command`` names the subcommand to run."""
    parser = _Parser(
        prog="neurocast",
        description="Connectomes, whole-brain simulation, synthetic recordings and forecasting benchmarks.")
    parser.add_argument("--version", action="version", version=f"neurocast {version}")
    parser.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
                        help="no progress bars")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for add in SUBCOMMANDS.values():
        add(sub)
    return parser
