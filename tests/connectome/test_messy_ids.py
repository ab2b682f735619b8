"""Messy exports: ids rounded by a trip through float, float-formatted ids, repeated release
rows, gap-junction pairs in both orders, neuron tables with other id column names, a Shiu
neuron table re-saved with pandas' row index, and weighted edge lists in ``info``."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from neurocast.connectome import read_connectome
from neurocast.errors import ConfigError, FormatError, NonFiniteError

ROOT = 720575940596125868  # a real-looking root id: its low bits are not float-exact
#: 10 distinct ids as pandas leaves them after a float64 column is cast back to int64
ROUNDED = [int(float(ROOT + 1000 * i)) for i in range(10)]


def csv(path, text: str):
    path.write_text(text)
    return path


def rows(header: str, lines) -> str:
    return header + "\n" + "".join(",".join(map(str, r)) + "\n" for r in lines)


def chain(ids, *extra):
    """(pre, post, *extra) rows linking each id to the next."""
    return [(a, b, *extra) for a, b in itertools.pairwise(ids)]


def assert_clean_error(rc, out, *parts):
    """Exit code 2, one 'neurocast: error' message with a hint, no traceback, the parts in it."""
    assert rc == 2, out.err
    assert out.err.startswith("neurocast: error: ") and "  hint: " in out.err
    assert "Traceback" not in out.err
    for part in parts:
        assert part in out.err, f"{part!r} not in:\n{out.err}"


# ------------------------------------------------------------------ 1. float-rounded ids
@pytest.mark.parametrize("header,extra", [
    ("pre_root_id,post_root_id,neuropil,syn_count,nt_type", ("AL_L", 5, "ACH")),  # Codex
    ("bodyId_pre,bodyId_post,weight", (5,)),  # neuPrint
    ("pre,post,count", (5,)),  # generic edge list
    ("Presynaptic_ID,Postsynaptic_ID,Connectivity,Excitatory", (5, 1)),  # Shiu et al.
])
def test_float_rounded_ids_are_refused_in_every_format(tmp_path, run_cli, header, extra):
    src = csv(tmp_path / "edges.csv", rows(header, chain(ROUNDED, *extra)))
    rc, out = run_cli("info", src)
    col = header.split(",")[0]
    assert_clean_error(rc, out, f"column '{col}' holds 9 distinct ids of 2**53 or more",
                       "read through a float column and lost their last digits",
                       f"dtype={{'{col}': 'Int64'}}", "or dtype=str")


def test_float_rounded_ids_refused_in_parquet_and_neuron_tables(tmp_path):
    edges = tmp_path / "edges.parquet"
    pd.DataFrame({"pre": ROUNDED[:-1], "post": ROUNDED[1:], "count": 1}).to_parquet(edges)
    with pytest.raises(FormatError, match="column 'pre' holds 9 distinct ids"):
        read_connectome(edges)
    real = [ROOT + 1000 * i for i in range(10)]
    pd.DataFrame({"pre": real[:-1], "post": real[1:], "count": 1}).to_parquet(edges)
    neurons = csv(tmp_path / "neurons.csv", rows("id,name", [(i, "n") for i in ROUNDED]))
    with pytest.raises(FormatError, match=r"neuron table 'neurons\.csv' column 'id' holds 10 "):
        read_connectome(edges, neurons=neurons)


def test_real_ids_and_few_rounded_ids_are_read(tmp_path, read_quiet):
    real = [ROOT + 1000 * i for i in range(10)]  # 1 in 128 such ids is float-exact by chance
    c = read_quiet(csv(tmp_path / "real.csv", rows("pre,post,count", chain(real, 2))))
    assert c.ids.tolist() == real
    few = csv(tmp_path / "few.csv", rows("pre,post,count", chain(ROUNDED[:7], 2)))
    assert read_quiet(few).ids.tolist() == ROUNDED[:7]  # 7 ids: below the threshold
    small = [2**40 * i for i in range(1, 12)]  # float-exact, but below 2**53: not suspicious
    assert read_quiet(csv(tmp_path / "s.csv", rows("pre,post,count", chain(small, 1)))).n_neurons == 11


def test_repeat_of_float_exact_ids_blames_rounding_not_duplicates(tmp_path, run_cli):
    a, b = ROUNDED[:2]  # two true pairs that collapsed into one
    src = csv(tmp_path / "e.csv", rows("pre,post,count", [(a, b, 3), (a, b, 4)]))
    rc, out = run_cli("info", src)
    assert_clean_error(rc, out, f"repeats 1 pre→post pair(s), first {a}→{b}",
                       "exact float64 values", "dtype={'pre': 'Int64', 'post': 'Int64'}",
                       "or dtype=str")
    assert "pre_root_id" not in out.err
    assert "--sum-duplicates" not in out.err
    src = csv(tmp_path / "r.csv", rows("pre,post,count", [(ROOT, ROOT + 1, 3), (ROOT, ROOT + 1, 4)]))
    rc, out = run_cli("info", src)
    assert_clean_error(rc, out, "--sum-duplicates")  # real ids: a repeat, as before


# ------------------------------------------------------------------ 2. repeated release rows
CODEX = "pre_root_id,post_root_id,neuropil,syn_count,nt_type"


def test_codex_rows_given_twice_are_refused(tmp_path, run_cli, read_quiet):
    once = [(10, 20, "AL_L", 5, "ACH"), (20, 30, "AL_L", 7, "GABA")]
    rc, out = run_cli("info", csv(tmp_path / "twice.csv", rows(CODEX, once + once)), "--json")
    assert_clean_error(rc, out, "repeats 2 (pre, post, neuropil) row(s), first 10→20 in 'AL_L' "
                       "at line 2 and line 4", "may hold the same rows twice")
    rc, out = run_cli("info", tmp_path / "twice.csv", "--sum-duplicates")
    assert_clean_error(rc, out, "repeats 2 (pre, post, neuropil) row(s)")
    # the neuropils of one pair are still summed into one connection
    c = read_quiet(csv(tmp_path / "ok.csv", rows(CODEX, [*once, (10, 20, "AL_R", 3, "ACH")])))
    assert c.n_connections == 2 and c.n_synapses == 15


# ------------------------------------------------------------------ 3. gap junctions
def gap_folder(tmp_path, gaps: str):
    folder = tmp_path / "net"
    folder.mkdir(exist_ok=True)
    csv(folder / "edges.csv", "pre,post,count,sign\n1,2,5,1\n2,3,4,-1\n")
    csv(folder / "neurons.csv", "id,name\n1,A\n2,B\n3,C\n")
    csv(folder / "gap_junctions.csv", "neuron_a,neuron_b,count\n" + gaps)
    return folder


def test_gap_pairs_in_both_orders_are_named_not_summed(tmp_path, run_cli):
    folder = gap_folder(tmp_path, "1,2,5\n2,1,4\n")
    for flags in ((), ("--sum-duplicates",)):
        rc, out = run_cli("info", folder, *flags)
        assert_clean_error(rc, out, "lists 1 pair(s) in both orders (A–B and B–A), first 1–2 at "
                           "line 2 and 2–1 at line 3 with different counts (5 and 4)",
                           "gap junctions are undirected")
        assert "--sum-duplicates" not in out.err
    gap_folder(tmp_path, "1,2,5\n2,1,5\n2,3,1\n")  # some pairs in both orders, others not
    rc, out = run_cli("info", folder, "--sum-duplicates")
    assert_clean_error(rc, out, "lists 1 pair(s) in both orders (A–B and B–A), but 2–3 at line 4 "
                       "has no 3–2 row")


def test_mixed_gap_listing_names_the_pair_without_its_mirror(tmp_path, run_cli):
    folder = gap_folder(tmp_path, "")
    csv(folder / "neurons.csv", "id,name\n" + "".join(f"{i},n{i}\n" for i in range(1, 11)))
    csv(folder / "gap_junctions.csv", "neuron_a,neuron_b,count\n" + "".join(
        f"{i},{i + 1},2\n{i + 1},{i},2\n" for i in range(1, 9)) + "9,10,1\n")
    rc, out = run_cli("info", folder)
    assert_clean_error(rc, out, "lists 8 pair(s) in both orders (A–B and B–A), but 9–10 at "
                       "line 18 has no 10–9 row", "gap junctions are undirected")


def test_symmetric_gap_listing_is_read_once(tmp_path, read_noting):
    folder = gap_folder(tmp_path, "1,2,5\n2,1,5\n3,2,1\n2,3,1\n3,3,2\n")
    for duplicates in ("error", "sum"):
        c, notes = read_noting(folder, duplicates=duplicates)
        dense = c.to_scipy(values="count", layer="gap").toarray()
        np.testing.assert_array_equal(dense, [[0, 5, 0], [5, 0, 1], [0, 1, 2]])
        assert any("lists each of its 2 pair(s) in both orders (A–B and B–A) with equal counts"
                   in n for n in notes)


def test_same_order_gap_repeats_sum_only_on_request(tmp_path, run_cli, read_quiet):
    folder = gap_folder(tmp_path, "1,2,3\n1,2,2\n")
    rc, out = run_cli("info", folder)
    assert_clean_error(rc, out, "repeats 1 neuron pair(s) in the same order, first 1–2",
                       "--sum-duplicates")
    assert read_quiet(folder, duplicates="sum").gap_count.tolist() == [5, 5]


# ------------------------------------------------------------------ 4. float-formatted ids
def test_float_formatted_csv_ids_name_the_float_problem(tmp_path, run_cli):
    src = csv(tmp_path / "f.csv", rows(CODEX, [("7.205759405961258e+17", "7.205759405961259e+17",
                                                "AL_L", 5, "ACH")]))
    rc, out = run_cli("info", src)
    assert_clean_error(rc, out, "column 'pre_root_id' holds floating-point ids, e.g. "
                       "7.205759405961258e+17 at line 2", "lose their last digits",
                       "dtype={'pre_root_id': 'Int64'}", "or dtype=str")
    assert "neuron table" not in out.err


def test_whole_float_ids_read_alike_from_csv_and_parquet(tmp_path, read_quiet):
    text = csv(tmp_path / "w.csv", "pre,post,count,sign\n1.0,2.0,3,1\n2,1e0,1,-1\n")
    frame = pd.DataFrame({"pre": [1.0, 2.0], "post": [2.0, 1.0], "count": [3, 1], "sign": [1, -1]})
    frame.to_parquet(tmp_path / "w.parquet")
    a, b = read_quiet(text), read_quiet(tmp_path / "w.parquet")
    assert a.ids.tolist() == b.ids.tolist() == [1, 2]
    assert a.equals(b)


def test_whole_float_ids_in_a_streamed_synapse_table_get_the_float_message(tmp_path, run_cli):
    src = csv(tmp_path / "syn.csv", "pre_pt_root_id,post_pt_root_id,size\n1.0,2,5\n")
    rc, out = run_cli("info", src)
    assert_clean_error(rc, out, "column 'pre_pt_root_id' holds floating-point ids, e.g. '1.0'",
                       "a table read in blocks needs integer ids",
                       "dtype={'pre_pt_root_id': 'Int64'}")


# ------------------------------------------------------------------ 5. neuron-table id columns
def test_neuron_table_id_column_found_by_name(tmp_path, read_quiet):
    edges = csv(tmp_path / "e.csv", "pre,post,count,sign\n10,20,3,1\n20,10,4,-1\n")
    neurons = csv(tmp_path / "n.csv", "name,root_id\nAVAL,10\nAVAR,20\n")
    c = read_quiet(edges, neurons=neurons)
    assert c.neurons["name"].tolist() == ["AVAL", "AVAR"]
    folder = tmp_path / "np"
    folder.mkdir()
    csv(folder / "connections.csv", "bodyId_pre,bodyId_post,weight\n10,20,3\n")
    csv(folder / "neurons.csv", "instance,body_id,predictedNt\nKC,10,acetylcholine\nPN,20,gaba\n")
    assert read_quiet(folder).neurons["name"].tolist() == ["KC", "PN"]


def test_missing_neuron_id_column_points_to_columns_id(tmp_path, run_cli, read_quiet):
    edges = csv(tmp_path / "e.csv", "pre,post,count,sign\n10,20,3,1\n20,10,4,-1\n")
    neurons = csv(tmp_path / "n.csv", "name,neuron\nAVAL,10\nAVAR,20\n")
    rc, out = run_cli("info", edges, "--neurons", neurons)
    assert_clean_error(rc, out, "neuron table 'n.csv' has no id column", "found: name, neuron",
                       "--columns id=COL")
    with pytest.raises(FormatError, match="has no id column"):  # the same error from Python
        read_quiet(edges, neurons=neurons)
    rc, out = run_cli("info", edges, "--neurons", neurons, "--columns", "id=neuron")
    assert rc == 0, out.err
    folder = tmp_path / "np"
    folder.mkdir()
    csv(folder / "connections.csv", "bodyId_pre,bodyId_post,weight\n10,20,3\n")
    csv(folder / "neurons.csv", "instance,neuron,predictedNt\nKC,10,acetylcholine\nPN,20,gaba\n")
    rc, out = run_cli("info", folder)
    assert_clean_error(rc, out, "no id column (bodyId, body_id)", "--columns id=COL")
    c = read_quiet(folder, columns={"id": "neuron"})  # the neuPrint reader, its id column named
    assert c.neurons["name"].tolist() == ["KC", "PN"] and "neuPrint" in c.attrs["source"]


# ------------------------------------------------------------------ 6. Shiu row index
def test_shiu_neuron_table_with_pandas_row_index_is_read(tmp_path, read_noting):
    ids = [ROOT, ROOT + 1, ROOT + 2]
    pd.DataFrame({"Presynaptic_ID": ids[:2], "Postsynaptic_ID": ids[1:], "Presynaptic_Index": [0, 1],
                  "Postsynaptic_Index": [1, 2], "Connectivity": [5, 7], "Excitatory": [1, -1]}
                 ).to_parquet(tmp_path / "Connectivity_783.parquet")
    pd.DataFrame({"Unnamed: 0": ids, "Completed": True}).to_csv(tmp_path / "Completeness_783.csv")
    c, notes = read_noting(tmp_path)
    assert c.ids.tolist() == ids and c.n_synapses == 12
    assert any("unnamed first column counts rows" in n for n in notes)


# ------------------------------------------------------------------ 7. weighted info
def test_info_of_weighted_edge_list_prints_the_weight_sum(tmp_path, run_cli):
    src = csv(tmp_path / "w.csv", "pre,post,weight\n1,2,0.5\n2,3,-0.25\n3,1,100\n")
    rc, out = run_cli("info", src)
    assert rc == 0, out.err
    assert "weight sum            100.25 weight  (absolute 100.75)" in out.out
    assert "synapses" not in out.out and "per connection" not in out.out


# ------------------------------------------------------------------ 8. review fixes
def test_categorical_columns_with_nulls_are_read(tmp_path, run_cli, read_quiet):
    """pandas writes a categorical column holding None as a dictionary column with nulls."""
    df = pd.DataFrame({"pre_root_id": [10, 20, 10], "post_root_id": [20, 30, 20],
                       "neuropil": pd.Series(["AL_L", None, " AL_R"]).astype("category"),
                       "syn_count": [5, 7, 3],
                       "nt_type": pd.Series(["ACH", None, "ACH"]).astype("category")})
    df.to_parquet(tmp_path / "catnan.parquet")
    rc, out = run_cli("info", tmp_path / "catnan.parquet")
    assert rc == 0, out.err
    c = read_quiet(tmp_path / "catnan.parquet")
    assert c.n_connections == 2 and c.n_synapses == 15
    neurons = pd.DataFrame({"root_id": [10, 20, 30],
                            "name": pd.Series(["a", None, "c"]).astype("category"),
                            "nt_type": pd.Series(["ACH", None, "GABA"]).astype("category")})
    neurons.to_parquet(tmp_path / "n.parquet")
    c = read_quiet(tmp_path / "catnan.parquet", neurons=tmp_path / "n.parquet")
    assert c.neurons["name"].tolist() == ["a", "20", "c"]
    assert c.neurons["transmitter"].tolist()[1] == ""


def test_repeated_codex_rows_found_in_any_order(tmp_path, read_quiet):
    rng = np.random.default_rng(5)
    pre, post = rng.integers(1, 300, 2000), rng.integers(1, 300, 2000)
    pil = rng.choice(["AL_L", "AL_R", "MB_CA_L"], 2000)
    df = pd.DataFrame({"pre_root_id": pre, "post_root_id": post, "neuropil": pil,
                       "syn_count": 1}).drop_duplicates(["pre_root_id", "post_root_id", "neuropil"])
    df.to_parquet(tmp_path / "ok.parquet")
    assert read_quiet(tmp_path / "ok.parquet").n_synapses == len(df)
    twice = pd.concat([df.iloc[:700], df.iloc[[650, 3]], df.iloc[700:]])
    twice.to_parquet(tmp_path / "twice.parquet")
    a, b, n = df.iloc[3][["pre_root_id", "post_root_id", "neuropil"]]
    with pytest.raises(FormatError, match=rf"repeats 2 \(pre, post, neuropil\) row\(s\), first "
                       rf"{a}→{b} in '{n}' at row 4 and row 702"):
        read_quiet(tmp_path / "twice.parquet")


def test_nan_in_a_parquet_neuron_tables_first_column_is_a_missing_id(tmp_path):
    edges = csv(tmp_path / "e.csv", "pre,post,count,sign\n1,2,3,1\n")
    for suffix in ("parquet", "feather"):
        frame = pd.DataFrame({"neuron": [1.0, 2.0, np.nan], "name": ["a", "b", "c"]})
        path = tmp_path / f"n.{suffix}"
        frame.to_parquet(path) if suffix == "parquet" else frame.to_feather(path)
        with pytest.raises(NonFiniteError, match="column 'neuron' has 1 empty or NaN id"):
            read_connectome(edges, neurons=path)


def test_columns_id_without_a_neuron_table_is_refused(tmp_path, run_cli):
    edges = csv(tmp_path / "e.csv", "pre,post,count,sign\n1,2,3,1\n")
    rc, out = run_cli("info", edges, "--columns", "id=typo")
    assert_clean_error(rc, out, "--columns id=typo names a neuron table's id column, but no "
                       "neuron table was given (--neurons PATH)")
    with pytest.raises(ConfigError, match="no neuron table was given") as e:
        read_connectome(edges, columns={"id": "typo"})
    assert "columns={'id': ...} needs neurons=" in str(e.value)
    with pytest.raises(ConfigError, match="no neuron table was given"):
        read_connectome(edges, columns={"pre": "pre", "post": "post", "id": "typo"})


def test_missing_ids_hint_names_a_guessed_id_column(tmp_path, run_cli):
    edges = csv(tmp_path / "e.csv", "pre,post,count,sign\n0,1,3,1\n1,2,4,-1\n")
    neurons = csv(tmp_path / "n.csv", rows("index,root_id,name", [
        (i, ROOT + 7919 * i, n) for i, n in enumerate("abc")]))
    rc, out = run_cli("info", edges, "--neurons", neurons)
    assert_clean_error(rc, out, "names 2 presynaptic neuron id(s) missing from the neuron table",
                       "ids taken from column 'root_id'; name another with --columns id=COL")
    rc, out = run_cli("info", edges, "--neurons", neurons, "--columns", "id=index")
    assert rc == 0, out.err
    folder = tmp_path / "np"  # neuPrint neurons.csv without bodyId: its first column is a row index
    folder.mkdir()
    csv(folder / "connections.csv", f"bodyId_pre,bodyId_post,weight\n{ROOT},{ROOT + 7919},3\n")
    csv(folder / "neurons.csv", f",instance,bodyid\n0,KC,{ROOT}\n1,PN,{ROOT + 7919}\n")
    rc, out = run_cli("info", folder)
    assert_clean_error(rc, out, "missing from the neuron table",
                       "ids taken from column ''; name another with --columns id=COL")
    rc, out = run_cli("info", edges, "--neurons", csv(tmp_path / "i.csv", "id,name\n0,a\n5,b\n"))
    assert_clean_error(rc, out, "missing from the neuron table")
    assert "ids taken from" not in out.err  # the id column was named 'id': no guess


def test_repeated_codex_rows_hint_the_edge_list_reading(tmp_path, run_cli, read_quiet):
    once = [(ROOT, ROOT + 7919, "AL_L", 5, "ACH"), (ROOT + 7919, ROOT + 2 * 7919, "", 7, "GABA")]
    src = csv(tmp_path / "twice.csv", rows(CODEX, once + once))
    rc, out = run_cli("info", src)
    assert_clean_error(rc, out, "--columns pre=pre_root_id,post=post_root_id,count=syn_count "
                       "--sum-duplicates")
    # the escape hatch works: the repeats are summed as a generic edge list
    rc, out = run_cli("info", src, "--columns", "pre=pre_root_id,post=post_root_id,count=syn_count",
                      "--sum-duplicates", "--json")
    assert rc == 0, out.err
    c = read_quiet(src, columns={"pre": "pre_root_id", "post": "post_root_id",
                                 "count": "syn_count"}, duplicates="sum")
    assert c.n_synapses == 24 and sorted(np.sign(c.weight).tolist()) == [-1, 1]
    blank = [(ROOT + 7919, ROOT + 2 * 7919, "", 7, "GABA")] * 2
    rc, out = run_cli("info", csv(tmp_path / "blank.csv", rows(CODEX, blank)))
    assert_clean_error(rc, out, f"first {ROOT + 7919}→{ROOT + 2 * 7919} with no neuropil at "
                       "line 2 and line 3", "--sum-duplicates")
    df = pd.DataFrame({"pre_root_id": [10, 20, 10], "post_root_id": [20, 30, 20],
                       "neuropil": [None, None, None], "syn_count": [5, 7, 3]})
    df.to_parquet(tmp_path / "allnull.parquet")  # an all-null neuropil column: still refused
    rc, out = run_cli("info", tmp_path / "allnull.parquet")
    assert_clean_error(rc, out, "first 10→20 with no neuropil at row 1 and row 3",
                       "--columns pre=pre_root_id,post=post_root_id,count=syn_count "
                       "--sum-duplicates")
