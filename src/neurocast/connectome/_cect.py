"""Built-in C. elegans connectomes, read from the data shipped with the ``cect`` package.

Three wiring diagrams of the adult hermaphrodite are provided:

- ``load_cook2019()``: the whole animal of Cook et al. 2019 (Nature 571:63), 302 neurons.
- ``load_witvliet2021()``: dataset 8 (adult) of Witvliet et al. 2021 (Nature 596:257),
  the full brain (the nerve-ring region): 180 neurons.
- ``load_varshney2011(signs=...)``: the somatic nervous system of Varshney et al. 2011
  (PLoS Comput. Biol. 7:e1001066), 280 neurons (no pharynx; CANL/CANR absent), the wiring the
  whole-nervous-system model of Kunert, Shlizerman & Kutz 2014 was built on.

Neurons
  Only neurons are kept: the cells named in cect's list of the 302 standard hermaphrodite
  neuron names (``cect.Cells.PREFERRED_HERM_NEURON_NAMES``) that occur in the dataset.
  Muscles, glia, pharyngeal epithelia, gland cells and other end organs are dropped with
  every synapse and gap junction that touches them.
  ``id`` is the neuron's position (0..301) in the alphabetically sorted list of those
  302 names, so one neuron has the same id in both connectomes (ADAL = 0, AVAL = 53, RIS = 204).
  The table is sorted by id. ``type`` is cect's sensory / interneuron / motor class
  (``cect.Cells.get_SIM_class``; "other" for CANL/CANR, whose function is unknown).

Transmitters and signs
  ``transmitter`` lists the neurotransmitters of the neuron in the atlas of Wang et al. 2024
  (eLife 13:RP95402) as cect reads it (``Wang2024Reader.all_neurotransmitters``), joined
  with "+". The sign uses only the fast classical transmitters (see ``transmitter_sign``):
    +1  acetylcholine and/or glutamate, no GABA
    -1  GABA, neither acetylcholine nor glutamate
     0  both (co-release, net effect unknown), or none of the three (monoamine only,
        betaine, orphan, uptake only, or not reported).
  Glutamate is counted as excitatory although several C. elegans glutamate receptors are
  inhibitory chloride channels (GluCl, e.g. AVR-14, GLC-3); the sign of a glutamatergic
  synapse really depends on the postsynaptic receptor, which this rule does not model.
  Each chemical connection's ``weight`` is ``sign[pre] * count``.
  ``load_varshney2011(signs="kunert2014")`` instead uses the convention of Kunert et al. 2014:
  the 26 classical GABAergic neurons (``KUNERT_GABAERGIC``: DD1-6, VD1-13, RMED/V/L/R, AVL,
  DVB, RIS; McIntire et al. 1993) are inhibitory (-1), every other neuron excitatory (+1).

Counts
  ``count`` is the integer value of the source table: for Cook 2019 the number of EM serial
  sections showing the connection (a measure of synapse number and size), for Witvliet 2021
  the number of presynaptic active zones agreed by annotators (a synapse count), for
  Varshney 2011 the number of synaptic contacts (sends ``S`` and polyadic sends ``Sp`` added,
  as cect reads them; gap junctions ``EJ``: the number of gap-junction contacts of the pair).
  Chemical autapses (a neuron onto itself) are kept. Gap junctions form the symmetric gap
  layer; in cect 0.3.5 both gap tables are symmetric, and a pair that were listed with two
  different values would get the larger one. Gap junctions of a neuron with itself carry no
  current and are dropped (their number is kept in ``attrs['self_gap_junctions_dropped']``).

Reading cect takes ~2 s (it parses JSON and the Wang et al. spreadsheet), so the built
Connectome is cached as ``.npz`` in ``neurocast._cache.cache_dir()``, keyed by the cect
version and ``CACHE_FORMAT``; later loads take milliseconds.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import io
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, replace
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np
import pandas as pd

from neurocast._cache import cache_dir
from neurocast._progress import progress
from neurocast.connectome._connectome import Connectome
from neurocast.errors import ConfigError, FormatError, NeurocastError

__all__ = [
    "CACHE_FORMAT",
    "EXCITATORY_TRANSMITTERS",
    "INHIBITORY_TRANSMITTERS",
    "KUNERT_GABAERGIC",
    "SIGN_RULES",
    "load_cook2019",
    "load_varshney2011",
    "load_witvliet2021",
    "transmitter_sign",
]

#: Bump when the way a connectome is built from cect changes (invalidates the cache).
CACHE_FORMAT = 1
#: Fast transmitters counted as excitatory / inhibitory by ``transmitter_sign`` (cect spellings).
EXCITATORY_TRANSMITTERS = ("Acetylcholine", "Glutamate")
INHIBITORY_TRANSMITTERS = ("GABA",)
#: The 26 classical GABAergic neurons (McIntire et al. 1993, Nature 364:337), inhibitory in
#: the sign convention of Kunert et al. 2014; every other neuron is excitatory there.
KUNERT_GABAERGIC = ("AVL", "DVB", "RIS", "RMED", "RMEL", "RMER", "RMEV",
                    *(f"DD{i}" for i in range(1, 7)), *(f"VD{i}" for i in range(1, 14)))
#: Sign conventions of ``load_varshney2011``.
SIGN_RULES = ("wang2024", "kunert2014")

_N_STANDARD_NEURONS = 302
_TYPES = {"Sensory": "sensory", "Interneuron": "interneuron", "Motorneuron": "motor", "Other": "other"}
_CHEMICAL, _GAP = "Generic_CS", "Generic_GJ"  # cect's synapse classes
_SIGN_RULE = ("+1 if acetylcholine or glutamate and no GABA; -1 if GABA and neither; "
              "0 otherwise (both, or none of the three); transmitters from Wang et al. 2024")
_TRANSMITTER_SOURCE = "Wang et al. 2024, eLife 13:RP95402 (neurotransmitter atlas, via cect)"
_KUNERT_RULE = ("-1 for the 26 classical GABAergic neurons (McIntire et al. 1993: DD, VD, RME, AVL, DVB, "
                "RIS), +1 for every other neuron (Kunert, Shlizerman & Kutz 2014)")


@dataclass(frozen=True)
class _Dataset:
    """One cect dataset: where it comes from and what its numbers mean."""

    name: str
    reader: str  # module under cect.readers with get_instance(from_cache=...)
    source: str
    count_unit: str
    signs: str = "wang2024"  # one of SIGN_RULES


_COOK = _Dataset(
    "celegans-cook2019", "Cook2019HermReader",
    "Cook et al. 2019, Nature 571:63, hermaphrodite (cect Cook2019HermReader)",
    "EM serial sections per connection (Cook et al. 2019)",
)
_WITVLIET = _Dataset(
    "celegans-witvliet2021", "WitvlietDataReader8",
    "Witvliet et al. 2021, Nature 596:257, dataset 8 (adult) (cect WitvlietDataReader8)",
    "synapses (presynaptic active zones, Witvliet et al. 2021)",
)


_VARSHNEY = _Dataset(
    "celegans-varshney2011", "VarshneyDataReader",
    "Varshney et al. 2011, PLoS Comput. Biol. 7:e1001066 (cect VarshneyDataReader)",
    "synaptic contacts (sends S + polyadic sends Sp, Varshney et al. 2011)",
)


def load_cook2019() -> Connectome:
    """The hermaphrodite connectome of Cook et al. 2019 (Nature 571:63) from cect's data.

    302 neurons, 3709 chemical connections (count = EM serial sections, 20965 in all),
    1091 gap-junction pairs; signs from Wang et al. 2024 (module docstring gives the rules).
    Cached on disk after the first call (~2 s); later calls take milliseconds.
    """
    return _load(_COOK)


def load_witvliet2021() -> Connectome:
    """The adult brain connectome (dataset 8) of Witvliet et al. 2021 (Nature 596:257).

    180 neurons of the brain (nerve-ring region), 1933 chemical connections
    (count = synapses, 7099 in all), 296 gap-junction pairs; signs from Wang et al. 2024.
    Cached on disk after the first call (~2 s); later calls take milliseconds.
    """
    return _load(_WITVLIET)


def load_varshney2011(signs: str = "wang2024") -> Connectome:
    """The somatic nervous system of Varshney et al. 2011 (PLoS Comput. Biol. 7:e1001066).

    280 neurons (the 279 connected somatic neurons of the paper and VC6, which has no
    connection here), 2194 chemical connections (count = synaptic contacts, 6394 in all),
    514 gap-junction pairs (887 contacts; 3 of a neuron with itself dropped). ``signs``: "wang2024" (default,
    as the other built-ins: Wang et al. 2024 transmitters) or "kunert2014" (the 26 classical
    GABAergic neurons -1, every other neuron +1, the convention of Kunert et al. 2014).
    ConfigError for another ``signs``. Cached on disk after the first call.
    """
    if signs not in SIGN_RULES:
        raise ConfigError(f"unknown sign rule {signs!r}; valid: {', '.join(SIGN_RULES)}")
    if signs == "wang2024":
        return _load(_VARSHNEY)
    return _load(replace(_VARSHNEY, name="celegans-varshney2011-kunert", signs=signs))


def transmitter_sign(transmitters: Iterable[str | None]) -> int:
    """Sign of a neuron's chemical synapses from its neurotransmitters (cect spellings).

    transmitters: e.g. ("Acetylcholine",), ("GABA", "Unknown_Monoaminergic_Neurotransmitter");
      None entries (not reported) are ignored.
    Returns +1 if acetylcholine or glutamate is among them and GABA is not; -1 if GABA is and
    neither excitatory one is; 0 if both kinds (co-release) or none (monoamines only,
    betaine, orphan, uptake only, nothing reported). "GABA_Uptake" is not GABA release.
    """
    found = {t for t in transmitters if t}
    exc = any(t in found for t in EXCITATORY_TRANSMITTERS)
    inh = any(t in found for t in INHIBITORY_TRANSMITTERS)
    return int(exc) - int(inh)


# ---------------------------------------------------------------------- loading and caching
def _cect_version() -> str:
    try:
        return version("cect")
    except PackageNotFoundError:
        raise NeurocastError(
            "the C. elegans connectomes need the 'cect' package, which is not installed",
            "pip install 'cect==0.3.5'",
        ) from None


def _cache_path(ds: _Dataset) -> Path:
    return cache_dir() / f"{ds.name}_cect{_cect_version()}_f{CACHE_FORMAT}.npz"


def _load(ds: _Dataset) -> Connectome:
    """Read the cached Connectome, or build it from cect and cache it (atomically)."""
    try:
        path = _cache_path(ds)
    except OSError:  # no usable cache folder: build every time
        return _build(ds)
    if path.is_file():
        try:
            return Connectome.load(path)
        except (FormatError, OSError, KeyError, ValueError):
            pass  # unreadable or stale cache: rebuild and overwrite it below
    con = _build(ds)
    with contextlib.suppress(OSError):  # a read-only cache folder only costs speed
        con.save(path)
    return con


@contextlib.contextmanager
def _quiet_cect():
    """cect prints progress to stdout and openpyxl warns about spreadsheet extensions;
    silence both so that ``--json`` output stays one object on stdout."""
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


@functools.lru_cache(maxsize=1)
def _wang_transmitters() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(neuron name, transmitters) pairs of the hermaphrodite atlas of Wang et al. 2024."""
    # cect: the optional C. elegans data package, slow to import
    from cect.readers.Cook2019DataReader import HERMAPHRODITE
    from cect.readers.Wang2024Reader import Wang2024Reader

    with _quiet_cect():
        table = Wang2024Reader(sex=HERMAPHRODITE).all_neurotransmitters
    return tuple((name, tuple(t for t in nts if t)) for name, nts in table.items())


def _standard_neurons() -> list[str]:
    """The 302 standard hermaphrodite neuron names, sorted (position = neuron id)."""
    # cect: the optional C. elegans data package, slow to import
    from cect.Cells import PREFERRED_HERM_NEURON_NAMES

    names = sorted(set(PREFERRED_HERM_NEURON_NAMES))
    if len(names) != _N_STANDARD_NEURONS:
        raise NeurocastError(
            f"cect lists {len(names)} hermaphrodite neurons, not {_N_STANDARD_NEURONS}",
            "install the version neurocast was built with: pip install 'cect==0.3.5'",
        )
    return names


def _neuron_table(names: list[str], ids: np.ndarray, signs: str = "wang2024") -> pd.DataFrame:
    """id, name, type, transmitter, sign for the given standard neuron names; ``signs`` is
    "wang2024" (``transmitter_sign``) or "kunert2014" (-1 for ``KUNERT_GABAERGIC``, else +1)."""
    # cect: the optional C. elegans data package, slow to import
    from cect.Cells import get_SIM_class

    transmitters = dict(_wang_transmitters())
    nts = [transmitters.get(n, ()) for n in names]
    return pd.DataFrame({
        "id": ids.astype(np.int64),
        "name": names,
        "type": [_TYPES.get(get_SIM_class(n), "other") for n in names],
        "transmitter": ["+".join(t) for t in nts],
        "sign": np.array([transmitter_sign(t) for t in nts] if signs == "wang2024"
                         else [-1 if n in KUNERT_GABAERGIC else 1 for n in names], dtype=np.int8),
    })


def _square(ds_obj, synclass: str, rows: np.ndarray) -> np.ndarray:
    """The neuron-by-neuron block of one cect connection matrix as int64 (pre, post)."""
    if synclass not in ds_obj.connections:
        raise FormatError(f"cect dataset has no '{synclass}' connections",
                          f"found: {', '.join(ds_obj.connections)}")
    full = np.asarray(ds_obj.connections[synclass], dtype=np.float64)
    block = full[np.ix_(rows, rows)]
    if not np.isfinite(block).all() or (block < 0).any() or not np.array_equal(block, np.round(block)):
        raise FormatError(f"cect '{synclass}' values are not non-negative integers",
                          "reinstall cect==0.3.5; its shipped tables hold whole numbers")
    return block.astype(np.int64)


def _build(ds: _Dataset) -> Connectome:
    """Build a Connectome from a cect dataset (reads cect's shipped, pre-parsed tables)."""
    version = _cect_version()
    with progress(total=3, desc=f"building {ds.name} from cect", unit="step") as bar:
        reader = importlib.import_module(f"cect.readers.{ds.reader}")
        with _quiet_cect():
            data = reader.get_instance(from_cache=True)
        bar.update(1)

        standard = _standard_neurons()
        node_pos = {name: i for i, name in enumerate(data.nodes)}
        keep = [i for i, name in enumerate(standard) if name in node_pos]
        names = [standard[i] for i in keep]
        rows = np.array([node_pos[n] for n in names], dtype=np.int64)
        neurons = _neuron_table(names, np.asarray(keep), ds.signs)
        bar.update(1)

        chem = _square(data, _CHEMICAL, rows)
        pre, post = np.nonzero(chem)
        gap = _square(data, _GAP, rows)
        n_self_gap = int(np.count_nonzero(np.diag(gap)))
        pairs = np.triu(np.maximum(gap, gap.T), k=1)  # each unordered pair once, no self pairs
        gpre, gpost = np.nonzero(pairs)
        attrs = {
            "source": ds.source,
            "cect_version": version,
            "count_unit": ds.count_unit,
            "transmitter_source": _TRANSMITTER_SOURCE,
            "sign_rule": _SIGN_RULE if ds.signs == "wang2024" else _KUNERT_RULE,
            "self_gap_junctions_dropped": n_self_gap,
            "asymmetric_gap_entries": int(np.count_nonzero(gap != gap.T) // 2),
        }
        con = Connectome.from_edges(
            neurons, pre, post, chem[pre, post],
            gap_pre=gpre, gap_post=gpost, gap_count=pairs[gpre, gpost],
            name=ds.name, attrs=attrs,
        )
        bar.update(1)
    return con
