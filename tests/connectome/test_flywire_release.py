"""FlyWire's release files read as distributed: Zenodo/Codex proofread_connections_783
(feather, parquet, csv.gz; *_avg probabilities), Codex connections.csv.gz (nt_type) with
neurons.csv.gz, Codex download folders, and Arrow feather tables in the other formats.

Every file is written with pandas in the release's exact column layout, never with neurocast.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

from neurocast.connectome import read_connectome, write_connectome
from neurocast.errors import FormatError, NonFiniteError

# FlyWire v783 root ids: 18 digits, far above 2**53 (a float64 would merge neighbours)
ROOT = 720575940596125868  # a real-looking root id (not float-exact, as 127 in 128 are not)
A, B, C, D = ROOT, ROOT + 1, ROOT + 2, ROOT + 99_999_999_999
AVG = ["gaba_avg", "ach_avg", "glut_avg", "oct_avg", "ser_avg", "da_avg"]


def probs(**p) -> list[float]:
    """One row's six probabilities in release column order, unnamed ones 0."""
    return [p.get(c.removesuffix("_avg"), 0.0) for c in AVG]


def proofread_frame() -> pd.DataFrame:
    """proofread_connections_783 layout, one row per (pre, post, neuropil).

    A: one big row (40 synapses) leaning ACh and two small rows clearly GABA. Row by row
    (and as an unweighted mean) A looks GABAergic; weighted by synapses it is cholinergic:
    Σ count·p is 24.3 for ACh against 18.7 for GABA. B is glutamatergic, C dopaminergic
    (no sign), D has no outgoing rows.
    """
    rows = [  # pre, post, neuropil, syn_count, probabilities
        (A, B, "AL_L", 40, probs(ach=0.6, gaba=0.4)),
        (A, B, "AL_R", 2, probs(gaba=0.9, ach=0.1)),
        (A, C, "LH_L", 1, probs(gaba=0.9, ach=0.1)),
        (B, C, "AL_L", 5, probs(glut=0.8, gaba=0.2)),
        (C, D, "MB_ML_R", 3, probs(da=0.7, ser=0.3)),
        (C, D, "SMP_R", 4, probs(da=0.6, oct=0.4)),
    ]
    frame = pd.DataFrame({
        "pre_pt_root_id": np.array([r[0] for r in rows], np.int64),
        "post_pt_root_id": np.array([r[1] for r in rows], np.int64),
        "neuropil": [r[2] for r in rows],
        "syn_count": [r[3] for r in rows],
    })
    return frame.join(pd.DataFrame([r[4] for r in rows], columns=AVG))


def write_release(frame: pd.DataFrame, path) -> None:
    """Write ``frame`` as FlyWire does, by suffix: .feather, .parquet or .csv.gz."""
    if path.name.endswith(".feather"):
        frame.to_feather(path)
    elif path.name.endswith(".parquet"):
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False, compression="gzip")


def weights_by_pair(c) -> dict[tuple[int, int], tuple[int, float]]:
    ids = c.ids
    pre, post = ids[c.pre_positions()], ids[c.indices]
    return {(int(a), int(b)): (int(n), float(w))
            for a, b, n, w in zip(pre, post, c.count, c.weight, strict=True)}


@pytest.mark.parametrize("name", ["proofread_connections_783.feather",
                                  "proofread_connections_783.parquet",
                                  "proofread_connections_783.csv.gz"])
def test_proofread_release_sums_neuropils_and_signs_by_weighted_argmax(tmp_path, name):
    path = tmp_path / name
    write_release(proofread_frame(), path)
    with pytest.warns(UserWarning, match="1 of 4 connection"):  # C→D: dopamine gives no sign
        c = read_connectome(path)
    assert c.attrs["source"] == f"FlyWire release table {name}"
    np.testing.assert_array_equal(c.ids, [A, B, C, D])  # exact 64-bit ids
    assert c.ids.dtype == np.int64
    # neuropil rows summed per pair: A→B 40 + 2; C→D 3 + 4
    assert weights_by_pair(c) == {(A, B): (42, 42.0), (A, C): (1, 1.0), (B, C): (5, -5.0),
                                  (C, D): (7, 0.0)}
    t = c.neurons.set_index("id")
    assert list(t["transmitter"]) == ["acetylcholine", "glutamate", "dopamine", ""]
    assert list(t["sign"]) == [1, -1, 0, 0]


def test_release_ids_stored_unsigned_stay_exact(tmp_path, read_quiet):
    frame = proofread_frame()
    for col in ("pre_pt_root_id", "post_pt_root_id"):
        frame[col] = frame[col].astype(np.uint64)
    frame.to_feather(tmp_path / "p.feather")
    np.testing.assert_array_equal(read_quiet(tmp_path / "p.feather").ids, [A, B, C, D])


def codex_frame() -> pd.DataFrame:
    """Codex connections.csv.gz: one row per pair and neuropil, nt_type per row."""
    return pd.DataFrame({
        "pre_root_id": [A, A, B, B, C, C, A],
        "post_root_id": [B, B, C, C, A, A, C],
        "neuropil": ["AL_L", "LH_L", "AL_L", "AL_R", "SMP_L", "SMP_R", "LH_L"],
        "syn_count": [5, 2, 6, 3, 2, 2, 4],
        # A→B: 5 ACh + 2 GABA, net +3; B→C: GABA and GLUT, -9; C→A: 2 ACh, 2 GLUT, a tie
        # (sign 0); A→C: empty, so A's nt_type from neurons.csv.gz (ACH)
        "nt_type": ["ACH", "GABA", "GABA", "GLUT", "ACH", "GLUT", ""],
    })


def codex_neurons() -> pd.DataFrame:
    """Codex neurons.csv.gz (root_id, group, nt_type, nt_type_score, ...), D unconnected."""
    return pd.DataFrame({"root_id": [D, C, B, A], "group": ["AVLP.AVLP", "SMP.SMP", "AL.LH", "AL.AL"],
                         "nt_type": ["DA", "GLUT", "GABA", "ACH"],
                         "nt_type_score": [0.7, 0.8, 0.9, 0.6]})


def test_codex_connections_with_neurons_signed_by_nt_type(tmp_path, read_quiet):
    codex_frame().to_csv(tmp_path / "connections.csv.gz", index=False, compression="gzip")
    codex_neurons().to_csv(tmp_path / "neurons.csv.gz", index=False, compression="gzip")
    with pytest.warns(UserWarning, match="1 of 4 connection"):  # the C→A tie
        c = read_connectome(tmp_path / "connections.csv.gz", neurons=tmp_path / "neurons.csv.gz")
    np.testing.assert_array_equal(c.ids, [D, C, B, A])  # the neuron table's order
    assert weights_by_pair(c) == {(A, B): (7, 7.0), (A, C): (4, 4.0), (B, C): (9, -9.0),
                                  (C, A): (4, 0.0)}
    assert list(c.neurons["transmitter"]) == ["DA", "GLUT", "GABA", "ACH"]
    # the Codex download folder reads the same
    folder = read_quiet(tmp_path)
    assert folder.equals(read_quiet(tmp_path / "connections.csv.gz", neurons=tmp_path / "neurons.csv.gz"))
    # ...unless the thresholded and unthresholded tables sit side by side
    codex_frame().to_csv(tmp_path / "connections_no_threshold.csv.gz", index=False, compression="gzip")
    with pytest.raises(FormatError, match=re.escape("holds 2 FlyWire edge tables: connections.csv.gz, "
                                                    "connections_no_threshold.csv.gz")):
        read_connectome(tmp_path)


def test_codex_connections_alone_and_without_neuropil(tmp_path, read_quiet):
    frame = codex_frame()
    frame.to_csv(tmp_path / "connections.csv.gz", index=False, compression="gzip")
    c = read_quiet(tmp_path / "connections.csv.gz")
    assert weights_by_pair(c)[(A, C)] == (4, 0.0)  # empty nt_type, no neuron table: unknown
    # one row per pair without a neuropil column: a repeated pair is a repeat again
    frame.drop(columns="neuropil").to_csv(tmp_path / "pairs.csv", index=False)
    with pytest.raises(FormatError, match="repeats 3 pre→post pair"):
        read_connectome(tmp_path / "pairs.csv")
    assert read_quiet(tmp_path / "pairs.csv", duplicates="sum").n_synapses == 24


def test_neuprint_connections_csv_folder_is_still_neuprint(tmp_path, read_quiet):
    pd.DataFrame({"bodyId_pre": [1, 2], "bodyId_post": [2, 1], "weight": [3, 4],
                  "roi": ["AL", "LH"]}).to_csv(tmp_path / "connections.csv", index=False)
    assert "neuPrint" in read_quiet(tmp_path).attrs["source"]


# ---------------------------------------------------------------------------- feather elsewhere
def test_feather_tables_read_like_parquet(tmp_path):
    edges = pd.DataFrame({"pre": [A, A, B], "post": [B, C, C], "count": [3, 1, 5], "sign": [1, 1, -1]})
    neurons = pd.DataFrame({"id": [A, B, C], "name": ["a", "b", "c"], "transmitter": ["ACh"] * 3})
    edges.to_feather(tmp_path / "e.feather")
    edges.to_parquet(tmp_path / "e.parquet", index=False)
    neurons.to_feather(tmp_path / "n.arrow")
    from_feather = read_connectome(tmp_path / "e.feather", neurons=tmp_path / "n.arrow")
    assert from_feather.equals(read_connectome(tmp_path / "e.parquet", neurons=tmp_path / "n.arrow"))
    assert list(from_feather.names) == ["a", "b", "c"]
    # edge-list folder members
    folder = tmp_path / "el"
    folder.mkdir()
    edges.to_feather(folder / "edges.feather")
    neurons.to_feather(folder / "neurons.feather")
    assert read_connectome(folder).equals(from_feather)
    # FlyWire (Shiu et al.) folder members
    fw = tmp_path / "fw"
    fw.mkdir()
    pd.DataFrame({"Presynaptic_ID": edges["pre"], "Postsynaptic_ID": edges["post"],
                  "Connectivity": edges["count"], "Excitatory": edges["sign"]}).to_feather(
        fw / "Connectivity_783.feather")
    pd.DataFrame({"root_id": [A, B, C]}).to_feather(fw / "Completeness_783.feather")
    c = read_connectome(fw)
    np.testing.assert_array_equal(c.ids, [A, B, C])
    np.testing.assert_array_equal(c.weight, [3, 1, -5])


def test_feather_is_read_not_written(tmp_path, tiny_connectome):
    with pytest.raises(FormatError, match=r"reads \.feather files but does not write them"):
        write_connectome(tiny_connectome, tmp_path / "x.feather")
    with pytest.raises(FormatError, match="reads the flywire-release format but does not write it"):
        write_connectome(tiny_connectome, tmp_path / "fw", "flywire-release")


# ---------------------------------------------------------------------------- errors and CLI
def test_cli_info_reads_the_release_file(tmp_path, run_cli):
    path = tmp_path / "proofread_connections_783.feather"
    write_release(proofread_frame(), path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rc, out = run_cli("info", path, "--json")
    assert rc == 0, out.err
    assert '"n_connections": 4' in out.out and '"n_synapses": 55' in out.out


def assert_one_error(rc, out, *expected):
    assert rc == 2, out.err
    assert out.out == "" and "Traceback" not in out.err
    assert out.err.startswith("neurocast: error: ") and "  hint: " in out.err
    for text in expected:
        assert text in out.err, f"{text!r} not in:\n{out.err}"


@pytest.mark.parametrize("suffix", [".feather", ".csv.gz"])
def test_cli_release_file_without_syn_count(tmp_path, suffix, run_cli):
    path = tmp_path / f"proofread_connections_783{suffix}"
    write_release(proofread_frame().rename(columns={"syn_count": "syn_cnt"}), path)
    assert_one_error(*run_cli("info", path),
                     f"edge table '{path.name}' has no column 'syn_count' (did you mean 'syn_cnt'?)",
                     "found: pre_pt_root_id, post_pt_root_id, neuropil, syn_cnt")


def test_cli_release_probabilities_that_are_not_numbers(tmp_path, run_cli):
    frame = proofread_frame().astype({"ach_avg": object})
    frame.loc[3, "ach_avg"] = "high"
    path = tmp_path / "proofread_connections_783.csv.gz"
    write_release(frame, path)
    assert_one_error(*run_cli("info", path),
                     "column 'ach_avg' must hold probabilities (numbers from 0 to 1), "
                     "found 'high' at line 5")


def test_release_probability_errors(tmp_path):
    frame = proofread_frame()
    frame.loc[2, "gaba_avg"] = 1.5
    frame.to_parquet(tmp_path / "p.parquet", index=False)
    with pytest.raises(FormatError, match=re.escape("'gaba_avg' must hold probabilities from 0 "
                                                    "to 1, found 1.5 at row 3")):
        read_connectome(tmp_path / "p.parquet")
    frame.loc[2, "gaba_avg"] = np.nan
    frame.to_parquet(tmp_path / "p.parquet", index=False)
    with pytest.raises(NonFiniteError, match="'gaba_avg' has 1 NaN or empty probabilities"):
        read_connectome(tmp_path / "p.parquet")
    frame.drop(columns="da_avg").to_parquet(tmp_path / "p.parquet", index=False)
    with pytest.raises(FormatError, match="has no column 'da_avg'"):
        read_connectome(tmp_path / "p.parquet")


def test_cli_truncated_feather_is_one_message(tmp_path, run_cli):
    path = tmp_path / "proofread_connections_783.feather"
    write_release(proofread_frame(), path)
    path.write_bytes(path.read_bytes()[:200])
    assert_one_error(*run_cli("info", path), "is not a readable Arrow feather file")


def test_cli_neuron_table_given_as_connectome_says_so(tmp_path, run_cli):
    codex_neurons().to_csv(tmp_path / "neurons.csv.gz", index=False, compression="gzip")
    assert_one_error(*run_cli("info", tmp_path / "neurons.csv.gz"),
                     "this looks like a neuron table (column 'root_id')", "--neurons")
