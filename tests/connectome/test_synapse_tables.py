"""Per-synapse tables (one row per synapse, no count column), read as released: MICrONS' CAVE
table synapses_pni_2 (valid flag, no transmitters), FlyWire's flywire_synapses_783 (per-synapse
transmitter probabilities) and hemibrain synapse exports through a --columns mapping.

Every file is written with pandas / pyarrow in the release's column layout, never with neurocast.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import neurocast.connectome._synapse_tables as synapse_tables
from neurocast.connectome import read_connectome
from neurocast.errors import ConfigError, FormatError

# MICrONS (minnie65) root ids: 18 digits, far above 2**53
M = 864691135000000000
M1, M2, M3, M4 = M + 1, M + 2, M + 3, M + 4_000_000_000
# FlyWire v783 root ids
F = 720575940596125868  # a real-looking root id (not float-exact)
A, B, C, D = F, F + 1, F + 2, F + 99_999_999_999
NT = ["gaba", "ach", "glut", "oct", "ser", "da"]
SUFFIXES = [".csv", ".csv.gz", ".feather", ".parquet"]


def microns_frame() -> pd.DataFrame:
    """synapses_pni_2 layout (CAVE): one row per synapse.

    M1→M2: 3 valid synapses and 1 invalid one; M2→M3: 2; M3→M3: an autapse; M1→M4: 1
    invalid only (so no connection). 8 rows, 6 valid synapses, 3 connections.
    """
    pre = [M1, M2, M1, M1, M3, M1, M2, M1]
    post = [M2, M3, M2, M4, M3, M2, M3, M2]
    valid = [True, True, True, False, True, True, True, False]
    n = len(pre)
    return pd.DataFrame({
        "id": np.arange(100, 100 + n),
        "created": ["2020-11-04 06:48:40"] * n,
        "superceded_id": [None] * n,
        "valid": valid,
        "pre_pt_supervoxel_id": np.arange(n, dtype=np.int64) + 88_000_000_000_000_000,
        "pre_pt_root_id": np.array(pre, np.int64),
        "post_pt_supervoxel_id": np.arange(n, dtype=np.int64) + 89_000_000_000_000_000,
        "post_pt_root_id": np.array(post, np.int64),
        "size": np.arange(n) * 100 + 300,
        "ctr_pt_position": [f"[{180000 + i} {200000 + i} {21000 + i}]" for i in range(n)],
    })


def flywire_rows():
    """(pre, post, neuropil, probabilities) of flywire_synapses_783 rows, one per synapse.

    A: 4 synapses onto B leaning ACh (0.6) and 3 onto B and C clearly GABA (0.9). A vote of
    each synapse's own argmax says ACh (4 to 3), but the summed probabilities say GABA: Σ p is
    0.6·4 + 0.1·3 = 2.7 for ACh against 0.4·4 + 0.9·3 = 4.3. B: glutamate; C: dopamine (no
    sign). D receives only.
    """
    def p(**kw):
        return [kw.get(t, 0.0) for t in NT]

    return [
        *[(A, B, "AL_L", p(ach=0.6, gaba=0.4))] * 4,
        *[(A, B, "AL_R", p(gaba=0.9, ach=0.1))] * 2,
        (A, C, "LH_L", p(gaba=0.9, ach=0.1)),
        *[(B, C, "AL_L", p(glut=0.8, gaba=0.2))] * 5,
        *[(C, D, "MB_ML_R", p(da=0.7, ser=0.3))] * 3,
        (C, D, "SMP_R", p(da=0.6, oct=0.4)),
    ]


def flywire_frame() -> pd.DataFrame:
    """flywire_synapses_783 layout (Zenodo 10676866): id, pre_pt_root_id, post_pt_root_id,
    connection_score, cleft_score, position columns, neuropil, six transmitter probabilities."""
    rows = flywire_rows()
    n = len(rows)
    frame = pd.DataFrame({
        "id": np.arange(1, n + 1),
        "pre_pt_root_id": np.array([r[0] for r in rows], np.int64),
        "post_pt_root_id": np.array([r[1] for r in rows], np.int64),
        "connection_score": np.linspace(50, 400, n),
        "cleft_score": np.arange(n) + 60,
        "pre_x": np.arange(n) * 4, "pre_y": np.arange(n) * 4, "pre_z": np.arange(n) * 40,
        "neuropil": [r[2] for r in rows],
    })
    return frame.join(pd.DataFrame([r[3] for r in rows], columns=NT).astype(np.float32))


# ---------------------------------------------------------------------------- MICrONS
@pytest.mark.parametrize("suffix", SUFFIXES)
def test_microns_synapse_table_counts_rows_per_pair(tmp_path, suffix, write_table, read_noting,
                                                    edges_of):
    path = tmp_path / f"synapses_pni_2{suffix}"
    write_table(microns_frame(), path)
    c, notes = read_noting(path)
    assert edges_of(c) == {(M1, M2): (3, 0), (M2, M3): (2, 0), (M3, M3): (1, 0)}  # autapse kept
    assert c.ids.tolist() == [M1, M2, M3]  # M4 has only an invalid synapse
    assert c.n_synapses == 6
    assert (f"'{path.name}' has no syn_count column, so each row was read as one synapse: "
            "8 rows (2 with valid = false left out), 6 synapses in 3 connections") in notes[0]
    assert "3 of 3 connection(s)" in notes[1] and "unknown sign (0)" in notes[1]


def test_microns_valid_as_postgres_text_and_batches(tmp_path, monkeypatch, write_table, read_noting,
                                                    edges_of):
    """CAVE's PostgreSQL dumps write booleans as t/f; rows are reduced batch by batch."""
    frame = microns_frame()
    frame["valid"] = np.where(frame["valid"], "t", "f")
    path = tmp_path / "synapses_pni_2.csv"
    write_table(frame, path)
    monkeypatch.setattr(synapse_tables, "BATCH_ROWS", 1)
    c, notes = read_noting(path)
    assert edges_of(c) == {(M1, M2): (3, 0), (M2, M3): (2, 0), (M3, M3): (1, 0)}
    assert "2 with valid = false left out" in notes[0]


def test_root_id_0_is_no_neuron(tmp_path, write_table, read_noting, edges_of):
    """CAVE writes root id 0 for a synapse end that lies in no segment: never a neuron '0'."""
    frame = microns_frame()
    extra = frame.iloc[:2].copy()
    extra["pre_pt_root_id"] = [0, M1]
    extra["post_pt_root_id"] = [M2, 0]
    extra["valid"] = True
    path = tmp_path / "synapses_pni_2.csv"
    write_table(pd.concat([frame, extra], ignore_index=True), path)
    c, notes = read_noting(path)
    assert c.ids.tolist() == [M1, M2, M3]
    assert edges_of(c) == {(M1, M2): (3, 0), (M2, M3): (2, 0), (M3, M3): (1, 0)}
    assert ("10 rows (2 with valid = false and 2 with root id 0 (no segment) left out), "
            "6 synapses in 3 connections") in notes[0]


def test_table_without_valid_column_keeps_every_row(tmp_path, write_table, read_noting, edges_of):
    path = tmp_path / "synapses.parquet"
    write_table(microns_frame().drop(columns="valid"), path)
    c, notes = read_noting(path)
    assert edges_of(c) == {(M1, M2): (4, 0), (M1, M4): (1, 0), (M2, M3): (2, 0), (M3, M3): (1, 0)}
    assert "8 rows, 8 synapses in 4 connections" in notes[0] and "left out" not in notes[0]


@pytest.mark.parametrize("suffix", [".feather", ".parquet", ".csv"])
def test_many_batches_give_the_pandas_groupby_counts(tmp_path, monkeypatch, suffix, write_table,
                                                     read_noting, edges_of):
    rng = np.random.default_rng(7)
    n = 5000
    frame = pd.DataFrame({"valid": rng.random(n) < 0.9,
                          "pre_pt_root_id": M + rng.integers(0, 40, n),
                          "post_pt_root_id": M + rng.integers(0, 40, n)})
    path = tmp_path / f"synapses_pni_2{suffix}"
    write_table(frame, path, chunk=300)
    monkeypatch.setattr(synapse_tables, "BATCH_ROWS", 700)  # 8 batches, several reductions
    c, _ = read_noting(path)
    kept = frame[frame["valid"]]
    expected = kept.groupby(["pre_pt_root_id", "post_pt_root_id"]).size()
    assert edges_of(c) == {(int(a), int(b)): (int(k), 0) for (a, b), k in expected.items()}
    assert c.n_synapses == len(kept)


def test_tens_of_thousands_of_neurons_over_batches(tmp_path, monkeypatch, write_table, read_noting,
                                                   edges_of):
    """More neurons than the id table first holds (it grows while codes stay), probabilities
    summed per presynaptic neuron across batches: as pandas computes them."""
    rng = np.random.default_rng(3)
    n, n_neurons = 120_000, 60_000
    ids = F + rng.choice(10**11, n_neurons, replace=False)
    frame = pd.DataFrame({"pre_pt_root_id": ids[rng.integers(0, n_neurons, n)],
                          "post_pt_root_id": ids[rng.integers(0, n_neurons // 50, n)]})
    frame = frame.join(pd.DataFrame(rng.dirichlet(np.ones(6), n).astype(np.float32),
                                    columns=NT))
    path = tmp_path / "flywire_synapses_783.feather"
    write_table(frame, path, chunk=10_000)
    monkeypatch.setattr(synapse_tables, "BATCH_ROWS", 25_000)
    c, _ = read_noting(path)
    expected = frame.groupby(["pre_pt_root_id", "post_pt_root_id"]).size()
    got = edges_of(c)
    assert {k: v[0] for k, v in got.items()} == {(int(a), int(b)): int(k)
                                                 for (a, b), k in expected.items()}
    sums = frame.groupby("pre_pt_root_id")[NT].sum()
    names = np.array(["GABA", "acetylcholine", "glutamate", "octopamine", "serotonin",
                      "dopamine"])
    want = dict(zip(sums.index, names[np.argmax(sums.to_numpy(), axis=1)], strict=True))
    table = c.neurons.set_index("id")["transmitter"]
    assert all(table[i] == t for i, t in want.items())


def test_bad_valid_cell_is_named_by_its_row_in_the_file(tmp_path, monkeypatch, write_table):
    frame = microns_frame()
    frame["valid"] = np.where(frame["valid"], "true", "false").astype(object)
    frame.loc[6, "valid"] = "maybe"
    path = tmp_path / "synapses_pni_2.parquet"
    write_table(frame, path, chunk=2)
    monkeypatch.setattr(synapse_tables, "BATCH_ROWS", 2)  # the bad cell is in the fourth batch
    with pytest.raises(FormatError, match=r"column 'valid' must hold true or false, found "
                                          r"'maybe' at row 7 \(1 such row\(s\)\)"):
        read_connectome(path)


def test_all_rows_invalid_is_an_error(tmp_path, write_table):
    frame = microns_frame()
    frame["valid"] = False
    path = tmp_path / "synapses_pni_2.feather"
    write_table(frame, path)
    with pytest.raises(FormatError, match="has no valid synapse: all 8 rows have valid = false"):
        read_connectome(path)


def test_microns_with_a_neuron_table(tmp_path, write_table, read_noting, edges_of):
    """Signs from the neuron table's transmitter; a neuron without synapses is kept."""
    path = tmp_path / "synapses_pni_2.csv.gz"
    write_table(microns_frame(), path)
    neurons = tmp_path / "neurons.csv"
    pd.DataFrame({"root_id": [M1, M2, M3, M4], "nt_type": ["ACH", "GABA", "", "ACH"]}).to_csv(
        neurons, index=False)
    c, _ = read_noting(path, neurons=neurons)
    assert c.ids.tolist() == [M1, M2, M3, M4]
    assert edges_of(c) == {(M1, M2): (3, 1), (M2, M3): (2, -1), (M3, M3): (1, 0)}


# ---------------------------------------------------------------------------- FlyWire
def proofread_from(frame: pd.DataFrame) -> pd.DataFrame:
    """The same synapses as proofread_connections_783 rows: syn_count and *_avg means per
    (pre, post, neuropil)."""
    grouped = frame.groupby(["pre_pt_root_id", "post_pt_root_id", "neuropil"], sort=False)
    out = grouped[NT].mean().add_suffix("_avg")
    out.insert(0, "syn_count", grouped.size())
    return out.reset_index()


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_flywire_synapse_table_signs_as_the_pair_table(tmp_path, suffix, write_table, read_noting,
                                                       edges_of):
    path = tmp_path / f"flywire_synapses_783{suffix}"
    write_table(flywire_frame(), path)
    c, notes = read_noting(path)
    # A: Σ p is 4.3 GABA against 2.7 ACh → −1; B glutamate −1; C dopamine 0
    assert edges_of(c) == {(A, B): (6, -1), (A, C): (1, -1), (B, C): (5, -1), (C, D): (4, 0)}
    assert c.neurons["transmitter"].tolist() == ["GABA", "glutamate", "dopamine", ""]
    assert "each row was read as one synapse: 16 rows, 16 synapses in 4 connections" in notes[0]
    # the same synapses as FlyWire's pair table (syn_count, *_avg) read to the same connectome
    pairs = tmp_path / "proofread_connections_783.feather"
    proofread_from(flywire_frame()).to_feather(pairs)
    expected, _ = read_noting(pairs)
    assert edges_of(expected) == edges_of(c)
    assert expected.neurons["transmitter"].tolist() == c.neurons["transmitter"].tolist()


def test_flywire_synapse_weighting_follows_synapses_not_rows(tmp_path, monkeypatch, write_table,
                                                             read_noting, edges_of):
    """Each synapse counts once: ten ACh-leaning synapses outweigh three clearly GABA ones,
    also when they arrive in different batches."""
    frame = flywire_frame()
    ach = frame.iloc[[0]].copy()
    more = pd.concat([ach] * 10, ignore_index=True)
    frame = pd.concat([frame, more], ignore_index=True)
    frame["id"] = np.arange(1, len(frame) + 1)
    path = tmp_path / "flywire_synapses_783.feather"
    write_table(frame, path, chunk=4)
    monkeypatch.setattr(synapse_tables, "BATCH_ROWS", 4)
    c, _ = read_noting(path)
    # A: ACh 0.6·14 + 0.1·3 = 8.7 against GABA 0.4·14 + 0.9·3 = 8.3 → cholinergic
    assert edges_of(c)[(A, B)] == (16, 1) and edges_of(c)[(A, C)] == (1, 1)
    assert c.neurons["transmitter"].tolist()[0] == "acetylcholine"


def test_flywire_synapse_table_missing_a_probability(tmp_path, write_table):
    path = tmp_path / "flywire_synapses_783.feather"
    write_table(flywire_frame().drop(columns="oct"), path)
    with pytest.raises(FormatError, match=r"(?s)has no column 'oct'.*"
                                          r"hint: .*gaba, ach, glut, oct, ser, da"):
        read_connectome(path)


def test_flywire_probability_error_names_its_row(tmp_path, monkeypatch, write_table):
    frame = flywire_frame()
    frame.loc[13, "ach"] = 1.5
    path = tmp_path / "flywire_synapses_783.feather"
    write_table(frame, path, chunk=5)
    monkeypatch.setattr(synapse_tables, "BATCH_ROWS", 5)
    with pytest.raises(FormatError, match=r"column 'ach' must hold probabilities from 0 to 1, "
                                          r"found 1\.5 at row 14"):
        read_connectome(path)


# ---------------------------------------------------------------------------- edge lists
def hemibrain_frame() -> pd.DataFrame:
    """neuprint-python fetch_synapse_connections layout: one row per synapse."""
    pre = [1, 1, 1, 2, 2, 3]
    post = [2, 2, 3, 3, 3, 3]
    n = len(pre)
    return pd.DataFrame({
        "bodyId_pre": np.array(pre) + 5813000000, "bodyId_post": np.array(post) + 5813000000,
        "roi_pre": ["FB"] * n, "roi_post": ["FB"] * n,
        "x_pre": np.arange(n), "y_pre": np.arange(n), "z_pre": np.arange(n),
        "x_post": np.arange(n), "y_post": np.arange(n), "z_post": np.arange(n),
        "confidence_pre": np.full(n, 0.9), "confidence_post": np.full(n, 0.8)})


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_edge_list_without_count_reads_one_synapse_per_row(tmp_path, suffix, write_table,
                                                           read_noting, edges_of):
    path = tmp_path / f"hemibrain_synapses{suffix}"
    write_table(hemibrain_frame(), path)
    c, notes = read_noting(path, columns={"pre": "bodyId_pre", "post": "bodyId_post"})
    b = 5813000000
    assert edges_of(c) == {(b + 1, b + 2): (2, 0), (b + 1, b + 3): (1, 0), (b + 2, b + 3): (2, 0),
                           (b + 3, b + 3): (1, 0)}
    assert (f"the column mapping names no count column, so each row of '{path.name}' was read "
            "as one synapse: 6 rows, 6 synapses in 4 connections") in notes[0]


def test_edge_list_without_count_signs_each_neuron_by_its_transmitter(tmp_path, read_noting,
                                                                      edges_of):
    path = tmp_path / "syn.csv"
    pd.DataFrame({"a": [1, 1, 2], "b": [2, 2, 1], "nt": ["ACh", "ACh", "GABA"]}).to_csv(
        path, index=False)
    c, _ = read_noting(path, columns={"pre": "a", "post": "b", "transmitter": "nt"})
    assert edges_of(c) == {(1, 2): (2, 1), (2, 1): (1, -1)}


def test_mapping_needs_pre_and_post_only():
    with pytest.raises(ConfigError, match="the column mapping lacks post") as err:
        read_connectome(".", columns={"pre": "a"})
    assert "each row is one synapse" in err.value.hint


# ---------------------------------------------------------------------------- CLI
def test_cli_info_json_of_a_microns_table(tmp_path, write_table, run_cli):
    path = tmp_path / "synapses_pni_2.csv"
    write_table(microns_frame(), path)
    rc, out = run_cli("info", path, "--json")
    assert rc == 0, out.err
    info = json.loads(out.out)
    assert (info["n_neurons"], info["n_connections"], info["n_synapses"]) == (3, 3, 6)
    assert ("note: 'synapses_pni_2.csv' has no syn_count column, so each row was read as one "
            "synapse: 8 rows (2 with valid = false left out), 6 synapses in 3 connections"
            ) in out.err
    assert "Traceback" not in out.err


def test_cli_info_json_of_a_flywire_synapse_table(tmp_path, write_table, run_cli):
    path = tmp_path / "flywire_synapses_783.feather"
    write_table(flywire_frame(), path)
    rc, out = run_cli("info", path, "--json")
    assert rc == 0, out.err
    info = json.loads(out.out)
    assert (info["n_neurons"], info["n_connections"], info["n_synapses"]) == (4, 4, 16)


def test_cli_columns_without_count(tmp_path, write_table, run_cli):
    path = tmp_path / "hemibrain_synapses.csv"
    write_table(hemibrain_frame(), path)
    rc, out = run_cli("info", path, "--columns", "pre=bodyId_pre,post=bodyId_post", "--json")
    assert rc == 0, out.err
    info = json.loads(out.out)
    assert (info["n_connections"], info["n_synapses"]) == (4, 6)
    assert "note: the column mapping names no count column" in out.err


def test_cli_hemibrain_synapse_export_without_mapping(tmp_path, write_table, run_cli):
    """Recognised as neuPrint (bodyId_pre, bodyId_post) without a weight column but with
    synapse coordinates and confidences: read one synapse per row, no mapping needed."""
    path = tmp_path / "hemibrain_synapses.csv"
    write_table(hemibrain_frame(), path)
    rc, out = run_cli("info", path, "--json")
    assert rc == 0, out.err
    info = json.loads(out.out)
    assert (info["n_connections"], info["n_synapses"]) == (4, 6)
    assert "note: 'hemibrain_synapses.csv' has no weight column but per-synapse columns" in out.err


def test_cli_bad_synapse_table_exits_2(tmp_path, write_table, run_cli):
    frame = microns_frame().astype({"post_pt_root_id": object})
    frame.loc[2, "post_pt_root_id"] = "abc"
    path = tmp_path / "synapses_pni_2.csv"
    write_table(frame, path)
    rc, out = run_cli("info", path, "--json")
    assert rc == 2 and out.out == ""
    assert "column 'post_pt_root_id' must hold integer neuron ids, found 'abc' at line 4" in out.err
