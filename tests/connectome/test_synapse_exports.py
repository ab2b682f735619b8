"""Per-synapse exports beyond FlyWire's probabilities: hemibrain (neuPrint) synapse exports
read without a mapping, categorical per-synapse transmitter columns (one transmitter per
presynaptic neuron, by majority), and neuron names that differ only in case.

Every file is written with pandas / pyarrow in the layout its tool writes, never with neurocast.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from neurocast.connectome import Connectome, load_connectome, read_connectome
from neurocast.errors import FormatError, UnknownNameError

SUFFIXES = [".csv", ".csv.gz", ".feather", ".parquet"]
H = 5813000000  # hemibrain body ids are ~10 digits
F = 720575940596125868  # FlyWire root ids: 18 digits, low bits random (not float-exact)


def hemibrain_synapses(nt: list[str] | None = None) -> pd.DataFrame:
    """neuprint-python ``fetch_synapse_connections`` layout: one row per synapse (a pre site
    and one of its post sites), ``nt`` and ``ntProb`` as ``nt='max'`` adds them.

    H+1→H+2: 3 synapses, H+1→H+3: 1, H+2→H+3: 2, H+3→H+3: 1 (an autapse).
    """
    pre = [1, 1, 1, 1, 2, 2, 3]
    post = [2, 2, 3, 2, 3, 3, 3]
    n = len(pre)
    frame = pd.DataFrame({
        "bodyId_pre": np.array(pre, np.int64) + H, "bodyId_post": np.array(post, np.int64) + H,
        "roi_pre": ["FB"] * n, "roi_post": ["FB"] * (n - 1) + [None],
        "x_pre": np.arange(n, dtype=np.int32), "y_pre": np.arange(n, dtype=np.int32),
        "z_pre": np.arange(n, dtype=np.int32), "x_post": np.arange(n, dtype=np.int32) + 3,
        "y_post": np.arange(n, dtype=np.int32), "z_post": np.arange(n, dtype=np.int32),
        "confidence_pre": np.full(n, 0.95, np.float32),
        "confidence_post": np.linspace(0.5, 0.99, n).astype(np.float32)})
    if nt is not None:
        frame["nt"] = nt
        frame["ntProb"] = np.linspace(0.6, 0.9, n)
    return frame


HEMIBRAIN_EDGES = {(H + 1, H + 2): 3, (H + 1, H + 3): 1, (H + 2, H + 3): 2, (H + 3, H + 3): 1}


# ---------------------------------------------------------------------------- 1. hemibrain
@pytest.mark.parametrize("suffix", SUFFIXES)
def test_hemibrain_synapse_export_counts_rows_per_pair(tmp_path, suffix, write_table, read_noting,
                                                       edges_of):
    path = tmp_path / f"hemibrain_synapses{suffix}"
    write_table(hemibrain_synapses(), path)
    c, notes = read_noting(path)
    assert {k: v[0] for k, v in edges_of(c).items()} == HEMIBRAIN_EDGES
    assert c.n_synapses == 7 and c.ids.tolist() == [H + 1, H + 2, H + 3]
    assert (f"'{path.name}' has no weight column but per-synapse columns (x_pre, y_pre, "
            "...), so each row was read as one synapse: 7 rows, 7 synapses in "
            "4 connections (pre→post pairs)") in notes[0]
    assert "unknown sign (0)" in notes[1]


def test_hemibrain_export_with_a_single_roi_column_and_a_neuron_table(tmp_path, write_table,
                                                                      read_noting, edges_of):
    """The brief layout bodyId_pre, bodyId_post, roi, x_pre, ...; names and signs from the
    neuPrint neuron table (instance, predictedNt), as for a connection table."""
    frame = hemibrain_synapses().drop(columns=["roi_pre", "roi_post"])
    frame.insert(2, "roi", "EB")
    path = tmp_path / "synapses.csv"
    write_table(frame, path)
    neurons = tmp_path / "neurons.csv"
    pd.DataFrame({"bodyId": [H + 1, H + 2, H + 3, H + 4],
                  "instance": ["EPG(PB08)_L", "PEN_a(PEN1)_R", "Delta7", "ER4m"],
                  "type": ["EPG", "PEN_a", "Delta7", "ER4m"],
                  "predictedNt": ["acetylcholine", "acetylcholine", "glutamate", "gaba"]}
                 ).to_csv(neurons, index=False)
    c, _ = read_noting(path, neurons=neurons)
    assert c.names.tolist() == ["EPG(PB08)_L", "PEN_a(PEN1)_R", "Delta7", "ER4m"]
    assert edges_of(c) == {(H + 1, H + 2): (3, 1), (H + 1, H + 3): (1, 1),
                           (H + 2, H + 3): (2, 1), (H + 3, H + 3): (1, -1)}


def test_neuprint_folder_whose_connections_are_synapses(tmp_path, write_table, read_noting,
                                                        edges_of):
    folder = tmp_path / "export"
    folder.mkdir()
    write_table(hemibrain_synapses(), folder / "connections.csv")
    pd.DataFrame({"bodyId": [H + 1, H + 2, H + 3], "instance": ["a", "b", "c"]}).to_csv(
        folder / "neurons.csv", index=False)
    c, _ = read_noting(folder)
    assert {k: v[0] for k, v in edges_of(c).items()} == HEMIBRAIN_EDGES
    assert c.names.tolist() == ["a", "b", "c"]


def test_hemibrain_export_read_in_batches(tmp_path, monkeypatch, read_noting, edges_of):
    rng = np.random.default_rng(5)
    n = 3000
    frame = pd.DataFrame({"bodyId_pre": H + rng.integers(0, 30, n),
                          "bodyId_post": H + rng.integers(0, 30, n),
                          "x_pre": rng.integers(0, 9, n), "confidence_post": rng.random(n)})
    path = tmp_path / "syn.parquet"
    frame.to_parquet(path, index=False, row_group_size=250)
    monkeypatch.setattr("neurocast.connectome._synapse_tables.BATCH_ROWS", 400)
    c, _ = read_noting(path)
    want = frame.groupby(["bodyId_pre", "bodyId_post"]).size()
    assert {k: v[0] for k, v in edges_of(c).items()} == {
        (int(a), int(b)): int(k) for (a, b), k in want.items()}


def test_connection_table_without_weight_and_without_synapse_columns_is_still_refused(tmp_path):
    """bodyId_pre, bodyId_post, roi and nothing per synapse: a connection table that lost its
    weight column, not a synapse export; the error says what a synapse export needs."""
    path = tmp_path / "connections.csv"
    pd.DataFrame({"bodyId_pre": [H], "bodyId_post": [H + 1], "roi": ["EB"]}).to_csv(
        path, index=False)
    with pytest.raises(FormatError, match="has no column 'weight'") as err:
        read_connectome(path)
    assert "x_pre" in err.value.hint and "confidence_pre" in err.value.hint


def test_cli_info_and_convert_of_a_hemibrain_export(tmp_path, write_table, read_noting, edges_of,
                                                    run_cli):
    path = tmp_path / "hemibrain_synapses.csv"
    write_table(hemibrain_synapses(["acetylcholine"] * 4 + ["gaba"] * 3), path)
    rc, out = run_cli("info", path, "--json")
    assert rc == 0, out.err
    info = json.loads(out.out)
    assert (info["n_neurons"], info["n_connections"], info["n_synapses"]) == (3, 4, 7)
    assert "note: 'hemibrain_synapses.csv' has no weight column but per-synapse" in out.err
    dst = tmp_path / "hb.npz"
    rc, out = run_cli("convert", path, dst)
    assert rc == 0, out.err
    assert edges_of(load_connectome(dst)) == edges_of(read_noting(path)[0])


def test_cli_bad_body_id_in_a_hemibrain_export_exits_2(tmp_path, write_table, run_cli):
    frame = hemibrain_synapses().astype({"bodyId_post": object})
    frame.loc[4, "bodyId_post"] = "5813000003.5x"
    path = tmp_path / "hemibrain_synapses.csv"
    write_table(frame, path)
    dst = tmp_path / "out.npz"
    rc, out = run_cli("convert", path, dst)
    assert rc == 2 and out.out == "" and "Traceback" not in out.err
    assert "column 'bodyId_post' must hold integer neuron ids" in out.err and "line 6" in out.err
    assert not dst.exists() and list(tmp_path.iterdir()) == [path]


def fetch_synapses_frame() -> pd.DataFrame:
    """neuprint-python ``fetch_synapses`` layout: one synapse site per row (bodyId, type 'pre'
    or 'post', roi, x, y, z, confidence), ``ntWithMaxProb`` as ``nt='max'`` adds it; no
    partner column."""
    return pd.DataFrame({
        "bodyId": np.array([H + 1, H + 1, H + 2], np.int64),
        "type": pd.Categorical(["pre", "pre", "post"], ["pre", "post"]),
        "roi": ["FB", "FB", None],
        "x": np.array([15300, 5447, 8043], np.int32),
        "y": np.array([25268, 21281, 21587], np.int32),
        "z": np.array([14043, 19155, 15146], np.int32),
        "confidence": np.array([0.992, 0.991, 0.804], np.float32),
        "ntWithMaxProb": pd.Categorical(["acetylcholine", "gaba", "n/a"])})


@pytest.mark.parametrize("suffix", [".csv", ".feather"])
def test_fetch_synapses_output_is_called_synapse_sites_not_a_neuron_table(tmp_path, suffix,
                                                                          write_table, run_cli):
    """It has bodyId, as a neuron table has, but each row is one synapse site without the
    neuron on its other side: the hint says so and names the export that has both ends."""
    path = tmp_path / f"synapses{suffix}"
    write_table(fetch_synapses_frame(), path)
    with pytest.raises(FormatError, match="cannot tell the format") as err:
        read_connectome(path)
    hint = err.value.hint
    assert "fetch_synapses output: synapse sites (bodyId, x, y, z, confidence) without their " \
        "partner neurons" in hint
    assert "export the synapses with fetch_synapse_connections instead" in hint
    assert "neuron table" not in hint and "--neurons" not in hint
    rc, out = run_cli("info", path)
    assert rc == 2 and "Traceback" not in out.err
    assert out.err.splitlines()[-1] == f"  hint: {hint}"


# ---------------------------------------------------------------------------- 2. transmitters
def test_hemibrain_nt_max_majority_per_presynaptic_neuron(tmp_path, write_table, read_noting,
                                                          edges_of):
    """H+1: 3 ACh and 1 GABA synapses → ACh (+1) for all its connections, also H+1→H+3 whose
    one synapse says GABA; H+2: GABA; H+3: only 'n/a' (no vote) → unknown."""
    nt = ["acetylcholine", "acetylcholine", "gaba", "acetylcholine", "gaba", "gaba", "n/a"]
    path = tmp_path / "syn.feather"
    write_table(hemibrain_synapses(nt).astype({"nt": "category"}), path)
    c, notes = read_noting(path)
    assert edges_of(c) == {(H + 1, H + 2): (3, 1), (H + 1, H + 3): (1, 1),
                           (H + 2, H + 3): (2, -1), (H + 3, H + 3): (1, 0)}
    assert c.neurons["transmitter"].tolist() == ["acetylcholine", "gaba", ""]
    assert c.sign.tolist() == [1, -1, 0]
    assert ("each presynaptic neuron's transmitter is the most frequent 'nt' of its "
            "synapses (2 neurons)") in notes[0]


def flywire_nt_frame() -> pd.DataFrame:
    """A FlyWire-style per-synapse table with one predicted transmitter per synapse (nt_type):
    A: 2 ACH + 1 ACh (one spelling of the same transmitter) + 2 GABA → ACh, over two pairs
    whose synapses disagree; B: 1 GLUT + 1 ACH, a tie; C: 'unknown' and an empty cell only."""
    rows = [(F, F + 1, "ACH"), (F, F + 1, "GABA"), (F, F + 1, "ACh"), (F, F + 2, "GABA"),
            (F, F + 2, "ACH"), (F + 1, F + 2, "GLUT"), (F + 1, F + 2, "ACH"),
            (F + 2, F + 3, "unknown"), (F + 2, F + 3, None)]
    return pd.DataFrame({"id": np.arange(1, len(rows) + 1),
                         "pre_pt_root_id": np.array([r[0] for r in rows], np.int64),
                         "post_pt_root_id": np.array([r[1] for r in rows], np.int64),
                         "cleft_score": np.full(len(rows), 80),
                         "nt_type": [r[2] for r in rows]})


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_flywire_synapse_table_with_nt_type_votes_per_neuron(tmp_path, suffix, write_table,
                                                             read_noting, edges_of):
    path = tmp_path / f"synapses_nt{suffix}"
    write_table(flywire_nt_frame(), path)
    c, notes = read_noting(path)
    assert edges_of(c) == {(F, F + 1): (3, 1), (F, F + 2): (2, 1), (F + 1, F + 2): (2, 0),
                           (F + 2, F + 3): (2, 0)}
    assert c.neurons["transmitter"].tolist() == ["ACH", "", "", ""]
    assert ("each presynaptic neuron's transmitter is the most frequent 'nt_type' of its synapses "
            "(1 neuron; 1 tie left undecided)") in notes[0]


def test_a_tie_leaves_the_neuron_table_to_decide(tmp_path, write_table, read_noting, edges_of):
    path = tmp_path / "synapses_nt.parquet"
    write_table(flywire_nt_frame(), path)
    neurons = tmp_path / "neurons.csv"
    pd.DataFrame({"root_id": [F, F + 1, F + 2, F + 3],
                  "nt_type": ["GABA", "GLUT", "ACH", ""]}).to_csv(neurons, index=False)
    c, _ = read_noting(path, neurons=neurons)
    # A: the synapses' majority (ACh) wins over the table's GABA; B: tie → the table's GLUT
    assert c.neurons["transmitter"].tolist() == ["ACH", "GLUT", "ACH", ""]
    assert c.sign.tolist() == [1, -1, 1, 0]
    assert edges_of(c)[(F + 1, F + 2)] == (2, -1) and edges_of(c)[(F + 2, F + 3)] == (2, 1)


def same_sign_tie_frame() -> pd.DataFrame:
    """Per-synapse transmitters of a FlyWire-style table: A ties GABA and glutamate (2 each,
    both inhibitory in Shiu et al.'s model), B ties ACh and GABA (2 each, of opposite sign),
    C has one vote of each of GABA and glutamate, D only receives."""
    rows = [(F, F + 3, "GABA"), (F, F + 3, "GLUT"), (F, F + 1, "GABA"), (F, F + 1, "glutamate"),
            (F + 1, F + 3, "ACH"), (F + 1, F + 3, "GABA"), (F + 1, F, "ACh"), (F + 1, F, "GABA"),
            (F + 2, F + 3, "Glu"), (F + 2, F + 3, "gaba")]
    return pd.DataFrame({"id": np.arange(1, len(rows) + 1),
                         "pre_pt_root_id": np.array([r[0] for r in rows], np.int64),
                         "post_pt_root_id": np.array([r[1] for r in rows], np.int64),
                         "nt_type": [r[2] for r in rows]})


def test_a_tie_of_two_inhibitory_transmitters_signs_the_neuron(tmp_path, write_table,
                                                               read_noting, edges_of):
    """GABA against glutamate: the transmitter stays undecided but the sign is -1 either way;
    ACh against GABA stays undecided (0)."""
    path = tmp_path / "synapses_nt.csv"
    write_table(same_sign_tie_frame(), path)
    c, notes = read_noting(path)
    assert c.neurons["transmitter"].tolist() == ["", "", "", ""]
    assert c.sign.tolist() == [-1, 0, -1, 0]
    assert edges_of(c) == {(F, F + 1): (2, -1), (F, F + 3): (2, -1), (F + 1, F): (2, 0),
                           (F + 1, F + 3): (2, 0), (F + 2, F + 3): (2, -1)}
    assert ("the most frequent 'nt_type' of its synapses (0 neurons; 2 ties between "
            "transmitters of one sign gave only that sign; 1 tie left undecided)") in notes[0]


def test_a_same_sign_tie_keeps_a_neuron_table_transmitter_of_that_sign(tmp_path, write_table,
                                                                      read_noting):
    """The neuron table's transmitter stays where it has the tie's sign (A: glutamate) and is
    emptied where it contradicts it (C: ACh); the opposite-sign tie leaves the table to decide
    (B: GLUT, -1)."""
    path = tmp_path / "synapses_nt.parquet"
    write_table(same_sign_tie_frame(), path)
    neurons = tmp_path / "neurons.csv"
    pd.DataFrame({"root_id": [F, F + 1, F + 2, F + 3],
                  "nt_type": ["glutamate", "GLUT", "ACH", "DA"]}).to_csv(neurons, index=False)
    c, _ = read_noting(path, neurons=neurons)
    assert c.neurons["transmitter"].tolist() == ["glutamate", "GLUT", "", "DA"]
    assert c.sign.tolist() == [-1, -1, -1, 0]


def test_votes_over_batches_are_the_pandas_mode(tmp_path, monkeypatch, write_table, read_noting):
    rng = np.random.default_rng(11)
    n = 4000
    names = np.array(["ACH", "GABA", "GLUT", "DA"])
    pre = F + rng.integers(0, 50, n)
    bias = rng.integers(0, 4, 50)  # each neuron leans to one transmitter
    pick = np.where(rng.random(n) < 0.6, bias[pre - F], rng.integers(0, 4, n))
    frame = pd.DataFrame({"id": np.arange(n), "pre_pt_root_id": pre,
                          "post_pt_root_id": F + rng.integers(0, 50, n), "nt_type": names[pick]})
    path = tmp_path / "synapses.csv"
    write_table(frame, path)
    monkeypatch.setattr("neurocast.connectome._synapse_tables.BATCH_ROWS", 300)
    c, _ = read_noting(path)
    counts = frame.groupby(["pre_pt_root_id", "nt_type"]).size().unstack(fill_value=0)
    top = counts.max(axis=1)
    unique_top = (counts.eq(top, axis=0).sum(axis=1) == 1)
    table = c.neurons.set_index("id")["transmitter"]
    for neuron, row in counts.iterrows():
        assert table[neuron] == (row.idxmax() if unique_top[neuron] else "")


def test_edge_list_per_synapse_transmitters_that_disagree_within_a_pair(tmp_path, read_noting,
                                                                        edges_of):
    """--columns pre,post (no count) with a transmitter column: a pair whose synapses disagree
    is one connection signed by its presynaptic neuron's majority, not an error."""
    path = tmp_path / "syn.csv"
    pd.DataFrame({"a": [1, 1, 1, 2, 2, 2], "b": [2, 2, 2, 1, 3, 3],
                  "neurotransmitter": ["ACh", "ACh", "GABA", "GABA", "glutamate", "GABA"]}
                 ).to_csv(path, index=False)
    c, notes = read_noting(path, columns={"pre": "a", "post": "b"})
    assert edges_of(c) == {(1, 2): (3, 1), (2, 1): (1, -1), (2, 3): (2, -1)}
    assert c.neurons["transmitter"].tolist() == ["ACh", "GABA", ""]
    assert c.sign.tolist() == [1, -1, 0]
    assert "most frequent 'neurotransmitter'" in notes[0]


def test_numbers_in_a_transmitter_column_are_refused(tmp_path, write_table):
    frame = flywire_nt_frame()
    frame["nt_type"] = np.arange(len(frame)) % 3
    path = tmp_path / "synapses_nt.parquet"
    write_table(frame, path)
    with pytest.raises(FormatError, match="column 'nt_type' holds numbers") as err:
        read_connectome(path)
    assert "ACh" in err.value.hint


def test_codex_pair_table_that_lost_syn_count_is_not_read_as_synapses(tmp_path):
    """pre_root_id, post_root_id, neuropil, nt_type and nothing per synapse: a pair table
    without its count column, refused as before."""
    path = tmp_path / "connections.csv"
    pd.DataFrame({"pre_root_id": [F], "post_root_id": [F + 1], "neuropil": ["AL_L"],
                  "nt_type": ["ACH"]}).to_csv(path, index=False)
    with pytest.raises(FormatError, match="has no column 'syn_count'"):
        read_connectome(path)


# ---------------------------------------------------------------------------- 3. names
def case_connectome() -> Connectome:
    neurons = pd.DataFrame({"id": [1, 2, 3], "name": ["AVAL", "aval", "AVAR"]})
    return Connectome.from_edges(neurons, pre=[0, 1], post=[1, 2], count=[1, 1])


def test_names_that_differ_only_in_case_stay_two_neurons(tmp_path, read_noting):
    """Read from files, 'AVAL' and 'aval' are two neurons, each found by its exact name."""
    edges = tmp_path / "edges.csv"
    pd.DataFrame({"pre": [1, 2], "post": [2, 3], "count": [4, 5]}).to_csv(edges, index=False)
    neurons = tmp_path / "neurons.csv"
    pd.DataFrame({"id": [1, 2, 3], "name": ["AVAL", "aval", "AVAR"]}).to_csv(neurons, index=False)
    c, _ = read_noting(edges, neurons=neurons)
    assert c.names.tolist() == ["AVAL", "aval", "AVAR"]
    assert c.index_of(["AVAL", "aval"]).tolist() == [0, 1]


def test_a_name_matching_several_neurons_only_ignoring_case_lists_them_all():
    c = case_connectome()
    with pytest.raises(UnknownNameError, match="'Aval'") as err:
        c.index_of("Aval")
    assert "'AVAL' (id 1)" in str(err.value) + err.value.hint
    assert "'aval' (id 2)" in str(err.value) + err.value.hint


def test_spellings_of_one_transmitter_vote_together(tmp_path, write_table, read_noting, edges_of):
    """2 'ACH' + 2 'acetylcholine' outvote 3 'GABA' (4 against 3): one transmitter, spelt two
    ways, is not split into two smaller votes; a single synapse's note says "1 connection"."""
    frame = hemibrain_synapses()
    frame = pd.concat([frame.iloc[:1]] * 7, ignore_index=True)  # 7 synapses H+1 → H+2
    frame["nt"] = ["ACH", "acetylcholine", "GABA", "ACH", "GABA", "acetylcholine", "GABA"]
    path = tmp_path / "syn.csv"
    write_table(frame, path)
    c, notes = read_noting(path)
    assert edges_of(c) == {(H + 1, H + 2): (7, 1)}
    assert c.neurons["transmitter"].tolist()[0] == "ACH"
    assert "7 rows, 7 synapses in 1 connection (pre→post pairs)" in notes[0]
