"""Built-in C. elegans connectomes (Cook 2019, Witvliet 2021, Varshney 2011) against cect's own
source tables.

The expected numbers are computed here from the raw spreadsheets shipped in cect's data folder
(read with pandas, names normalised by a rule written in this file), not through the loader's
code path, so a parsing slip in the loader cannot pass unnoticed.
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import cect
import numpy as np
import pandas as pd
import pytest
from cect.Cells import PREFERRED_HERM_NEURON_NAMES

from neurocast.cli import main
from neurocast.connectome import load_connectome
from neurocast.connectome._cect import (
    _WITVLIET,
    KUNERT_GABAERGIC,
    _cache_path,
    _load,
    _wang_transmitters,
    load_cook2019,
    load_varshney2011,
    load_witvliet2021,
    transmitter_sign,
)
from neurocast.errors import ConfigError

DATA = Path(cect.__file__).parent / "data"
STANDARD = set(PREFERRED_HERM_NEURON_NAMES)


def _norm(name) -> str:
    """VB01 -> VB1 (the spreadsheets pad motor-neuron numbers; the standard names do not)."""
    return re.sub(r"^(AS|DA|DB|DD|VA|VB|VC|VD)0(\d)$", r"\1\2", str(name).strip())


def _read_excel(path: Path, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl: "Unknown extension is not supported"
        return pd.read_excel(path, **kw)


def _cook_matrix(sheet: pd.DataFrame) -> tuple[list[str], list[str], np.ndarray]:
    """Row labels in column C, column labels in row 3, values from D4 on (as in the file)."""
    rows = sheet.iloc[:, 2].notna().to_numpy().copy()
    cols = sheet.iloc[2].notna().to_numpy().copy()
    rows[:3] = False
    cols[:3] = False
    pre = [_norm(s) for s in sheet.iloc[rows, 2]]
    post = [_norm(s) for s in sheet.iloc[2, cols]]
    values = sheet.iloc[rows][sheet.columns[cols]].apply(pd.to_numeric).fillna(0).to_numpy(float)
    return pre, post, values


def _edges_from_matrix(pre, post, values) -> dict[tuple[str, str], int]:
    out = {}
    for i, j in zip(*np.nonzero(values), strict=True):
        if pre[i] in STANDARD and post[j] in STANDARD:
            assert values[i, j] == int(values[i, j]) and values[i, j] > 0
            out[(pre[i], post[j])] = int(values[i, j])
    return out


@pytest.fixture(scope="module")
def cook_source() -> dict:
    """Neurons, chemical edges and gap-junction pairs of the raw Cook et al. 2019 spreadsheet."""
    sheets = _read_excel(
        DATA / "SI 5 Connectome adjacency matrices, corrected July 2020.xlsx",
        sheet_name=["hermaphrodite chemical", "hermaphrodite gap jn symmetric"], header=None,
    )
    chem = _cook_matrix(sheets["hermaphrodite chemical"])
    gap_pre, gap_post, gap_values = _cook_matrix(sheets["hermaphrodite gap jn symmetric"])
    assert gap_pre == gap_post  # square sheet, same order
    # cells named in the sheets that have at least one connection (chemical or gap)
    present = set()
    for pre, post, v in (chem, (gap_pre, gap_post, gap_values)):
        present |= {pre[i] for i in np.flatnonzero(v.any(axis=1))}
        present |= {post[j] for j in np.flatnonzero(v.any(axis=0))}
    gaps = _edges_from_matrix(gap_pre, gap_post, gap_values)
    return {
        "neurons": present & STANDARD,
        "chemical": _edges_from_matrix(*chem),
        "gap_directed": gaps,
        "gap_symmetric": np.array_equal(gap_values, gap_values.T),
    }


@pytest.fixture(scope="module")
def witvliet_source() -> dict:
    """Neurons, chemical edges and gap-junction entries of Witvliet et al. dataset 8 (edge list)."""
    t = _read_excel(DATA / "witvliet_2020_8 adult.xlsx")
    assert list(t.columns) == ["pre", "post", "type", "synapses"]
    t["pre"], t["post"] = t["pre"].map(_norm), t["post"].map(_norm)
    assert not t.duplicated(["pre", "post", "type"]).any()
    neurons = (set(t["pre"]) | set(t["post"])) & STANDARD
    both = t[t["pre"].isin(STANDARD) & t["post"].isin(STANDARD)]
    chem = both[both["type"] == "chemical"]
    gap = both[both["type"] == "electrical"]
    directed = {}
    for a, b, n in zip(gap["pre"], gap["post"], gap["synapses"], strict=True):
        for key in ((a, b), (b, a)):  # a gap junction joins both ways
            assert directed.get(key, n) == n, f"gap {key} listed with two values"
            directed[key] = int(n)
    return {
        "neurons": neurons,
        "chemical": {(a, b): int(n) for a, b, n in zip(chem["pre"], chem["post"], chem["synapses"],
                                                        strict=True)},
        "gap_directed": directed,
        "gap_symmetric": True,
    }


@pytest.fixture(scope="module")
def varshney_source() -> dict:
    """Neurons, chemical edges (sends S + polyadic sends Sp) and gap junctions (EJ, listed both
    ways) of Varshney et al.'s NeuronConnect.xls; R/Rp rows repeat the sends from the receiver."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas: the xlrd engine is deprecated
        t = pd.read_excel(DATA / "NeuronConnect.xls")
    assert list(t.columns) == ["Neuron 1", "Neuron 2", "Type", "Nbr"]
    t["pre"], t["post"] = t["Neuron 1"].map(_norm), t["Neuron 2"].map(_norm)
    neurons = (set(t["pre"]) | set(t["post"])) & STANDARD
    both = t[t["pre"].isin(STANDARD) & t["post"].isin(STANDARD)]
    chem: dict[tuple[str, str], int] = {}
    for a, b, n in both[both["Type"].isin(["S", "Sp"])][["pre", "post", "Nbr"]].itertuples(index=False):
        chem[(a, b)] = chem.get((a, b), 0) + int(n)
    directed = {}
    for a, b, n in both[both["Type"] == "EJ"][["pre", "post", "Nbr"]].itertuples(index=False):
        assert directed.get((a, b), n) == n, f"gap {(a, b)} listed with two values"
        directed[(a, b)] = int(n)
    symmetric = all(directed.get((b, a)) == n for (a, b), n in directed.items())
    return {"neurons": neurons, "chemical": chem, "gap_directed": directed, "gap_symmetric": symmetric}


def _edges(con) -> dict[tuple[str, str], int]:
    names = con.names
    return {(names[a], names[b]): int(c)
            for a, b, c in zip(con.pre_positions(), con.indices, con.count, strict=True)}


def _gap_pairs(con) -> dict[tuple[str, str], int]:
    names = con.names
    rows = np.repeat(np.arange(con.n_neurons), np.diff(con.gap_indptr))
    return {(names[a], names[b]): int(c)
            for a, b, c in zip(rows, con.gap_indices, con.gap_count, strict=True) if a < b}


CASES = [
    # name, loader, source fixture, documented totals (neurons, connections, synapses, gap pairs)
    ("celegans-cook2019", load_cook2019, "cook_source", (302, 3709, 20965, 1091)),
    ("celegans-witvliet2021", load_witvliet2021, "witvliet_source", (180, 1933, 7099, 296)),
    ("celegans-varshney2011", load_varshney2011, "varshney_source", (280, 2194, 6394, 514)),
]


@pytest.mark.parametrize(("name", "loader", "fixture", "totals"), CASES)
def test_totals_match_source_spreadsheet(name, loader, fixture, totals, request):
    src = request.getfixturevalue(fixture)
    con = loader()
    chem = src["chemical"]
    gap_pairs = {(a, b): n for (a, b), n in src["gap_directed"].items() if a < b}
    expected = (len(src["neurons"]), len(chem), sum(chem.values()), len(gap_pairs))
    got = (con.n_neurons, con.n_connections, con.n_synapses, con.n_gap_junctions)
    assert got == expected
    assert got == totals  # the numbers quoted in docs/celegans.md
    assert con.name == name


@pytest.mark.parametrize(("name", "loader", "fixture", "totals"), CASES)
def test_every_edge_matches_source(name, loader, fixture, totals, request):
    src = request.getfixturevalue(fixture)
    con = loader()
    assert set(con.names) == src["neurons"]
    assert _edges(con) == src["chemical"]
    assert _gap_pairs(con) == {(a, b): n for (a, b), n in src["gap_directed"].items() if a < b}
    # the gap layer is stored symmetrically and holds no self pairs
    g = con.to_scipy(layer="gap", values="count")
    assert (g != g.T).nnz == 0 and g.diagonal().sum() == 0
    # documented source facts: Cook's gap sheet is symmetric; self gap junctions were dropped
    assert src["gap_symmetric"]
    selfs = sum(1 for (a, b) in src["gap_directed"] if a == b)
    assert con.attrs["self_gap_junctions_dropped"] == selfs > 0
    assert con.attrs["asymmetric_gap_entries"] == 0


def test_standard_names_and_stable_ids():
    cook, wit = load_cook2019(), load_witvliet2021()
    for neuron in ("ADAL", "AVAL", "AVAR", "ASHL", "AVBL", "RIS"):
        assert neuron in set(cook.names) and neuron in set(wit.names)
    assert {"DA1", "VB1", "VD13", "PVCL", "CANL"} <= set(cook.names)  # whole animal
    assert "VB1" not in set(wit.names)  # dataset 8 is the brain only (nerve-ring region)
    standard = sorted(STANDARD)
    for con in (cook, wit):
        ids, names = con.ids, con.names
        assert [standard[i] for i in ids] == list(names)  # id = position in sorted standard names
        assert np.all(np.diff(ids) > 0)
    assert cook.neuron("AVAL")["id"] == wit.neuron("AVAL")["id"] == standard.index("AVAL")
    types = cook.neurons.set_index("name")["type"]
    assert (types["ASHL"], types["AVAL"], types["VB1"], types["CANL"]) == (
        "sensory", "interneuron", "motor", "other")
    assert types.value_counts().to_dict() == {"motor": 126, "interneuron": 89, "sensory": 85, "other": 2}


def test_transmitter_sign_rule():
    assert transmitter_sign(["Acetylcholine"]) == 1
    assert transmitter_sign(["Glutamate", "Tyramine", "Betaine"]) == 1
    assert transmitter_sign(["GABA"]) == -1
    assert transmitter_sign(["GABA", "Unknown_Monoaminergic_Neurotransmitter"]) == -1
    assert transmitter_sign(["Acetylcholine", "GABA"]) == 0  # co-release: unknown net sign
    assert transmitter_sign(["Dopamine"]) == 0
    assert transmitter_sign(["GABA_Uptake"]) == 0  # uptake is not release
    assert transmitter_sign([None]) == 0 and transmitter_sign([]) == 0


@pytest.mark.parametrize("loader", [load_cook2019, load_witvliet2021, load_varshney2011])
def test_signs_follow_transmitters(loader):
    con = loader()
    t = con.neurons.set_index("name")
    # known identities (Wang et al. 2024 and earlier work): cholinergic command interneuron,
    # GABAergic motor neurons and RIS, glutamatergic nociceptor, dopaminergic CEP, mixed SMD
    assert (t.loc["AVAL", "transmitter"], t.loc["AVAL", "sign"]) == ("Acetylcholine", 1)
    assert (t.loc["RIS", "transmitter"], t.loc["RIS", "sign"]) == ("GABA", -1)
    assert (t.loc["ASHL", "transmitter"], t.loc["ASHL", "sign"]) == ("Glutamate", 1)
    assert (t.loc["CEPDL", "transmitter"], t.loc["CEPDL", "sign"]) == ("Dopamine", 0)
    assert t.loc["SMDDL", "sign"] == 0 and set(t.loc["SMDDL", "transmitter"].split("+")) == {
        "Acetylcholine", "GABA"}
    # the rule holds for every neuron, and every weight is sign(pre) * count
    rule = [transmitter_sign(s.split("+")) for s in t["transmitter"]]
    assert np.array_equal(t["sign"].to_numpy(), rule)
    assert np.array_equal(con.weight, con.count * con.sign[con.pre_positions()])


def test_varshney_with_kunert_signs():
    """Kunert et al. 2014's convention: the 26 classical GABAergic neurons inhibit, all others
    excite; same wiring and transmitter column as the Wang-signed built-in."""
    wang, kunert = load_varshney2011(), load_varshney2011(signs="kunert2014")
    assert kunert.name == "celegans-varshney2011-kunert" and "Kunert" in kunert.attrs["sign_rule"]
    assert "Kunert" in kunert.summary()["sign_rule"] and "Wang" in wang.summary()["sign_rule"]
    assert _edges(kunert) == _edges(wang) and _gap_pairs(kunert) == _gap_pairs(wang)
    assert list(kunert.neurons["transmitter"]) == list(wang.neurons["transmitter"])
    assert set(kunert.names[kunert.sign == -1]) == set(KUNERT_GABAERGIC) and len(KUNERT_GABAERGIC) == 26
    assert (kunert.sign[~np.isin(kunert.names, KUNERT_GABAERGIC)] == 1).all()
    assert np.array_equal(kunert.weight, kunert.count * kunert.sign[kunert.pre_positions()])
    # every classical GABAergic neuron is GABAergic in Wang et al. 2024 too (AVL: with a monoamine)
    t = wang.neurons.set_index("name")["transmitter"]
    assert all("GABA" in t[n].split("+") for n in KUNERT_GABAERGIC)
    assert load_connectome("celegans-varshney2011-kunert").equals(kunert, check_name=True)
    with pytest.raises(ConfigError, match="wang2024, kunert2014"):
        load_varshney2011(signs="gaba")


def test_transmitters_are_cect_wang2024_table():
    from cect.readers.Wang2024Reader import Wang2024Reader

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = Wang2024Reader(sex="Hermaphrodite").all_neurotransmitters
    con = load_cook2019()
    got = dict(zip(con.names, con.neurons["transmitter"], strict=True))
    assert got == {n: "+".join(t for t in table[n] if t) for n in con.names}
    if "DD1" in con.names:
        assert con.neuron("DD1")["sign"] == -1
    counts = con.neurons["sign"].value_counts().to_dict()
    assert counts == {1: 237, 0: 34, -1: 31}


def test_cache_is_written_reused_and_rebuilt(capsys):
    path = _cache_path(_WITVLIET)
    path.unlink(missing_ok=True)
    _wang_transmitters.cache_clear()  # rebuild from scratch: cect reader and Wang et al. table
    first = _load(_WITVLIET)
    assert capsys.readouterr().out == ""  # cect's chatter must not reach stdout
    assert path.is_file() and "cect0.3.5" in path.name
    again = load_witvliet2021()
    assert again.equals(first, check_name=True)
    path.write_bytes(b"not an npz file")  # a damaged cache is rebuilt, not trusted
    assert load_witvliet2021().equals(first, check_name=True)
    assert load_connectome("celegans-witvliet2021").equals(first)


@pytest.mark.parametrize(("name", "loader"), [("celegans-cook2019", load_cook2019),
                                              ("celegans-witvliet2021", load_witvliet2021)])
def test_cli_info_json(name, loader, capsys):
    assert main(["connectome", "info", name, "--json"]) == 0
    out = capsys.readouterr().out
    data = json.loads(out)  # exactly one JSON object: json.loads rejects trailing text
    assert isinstance(data, dict)
    s = loader().summary()
    for key in ("n_neurons", "n_connections", "n_synapses", "n_gap_junctions", "excitatory_fraction"):
        assert data[key] == s[key]
    con = loader()
    assert data["excitatory_fraction"] == pytest.approx(np.count_nonzero(con.sign > 0) / con.n_neurons)
    assert data["n_neurons"] == len(con.names)


def test_cli_info_text(capsys):
    assert main(["connectome", "info", "celegans-cook2019"]) == 0
    out = capsys.readouterr().out
    assert "neurons               302" in out and "gap junction pairs    1,091" in out
