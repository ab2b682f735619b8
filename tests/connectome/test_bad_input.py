"""Bad connectome input through the CLI: one clear message, exit code 2, no traceback,
no output left behind (not even a temporary file)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from neurocast.cli import main

ROOT = 720575940596125868


def run_bad(capsys, tmp_path, args, *expected, dst_name="out.npz"):
    """Run `neurocast connectome ARGS DST`; check exit 2, the message parts, nothing written."""
    before = {p.name for p in tmp_path.iterdir()}
    dst = tmp_path / dst_name
    existed = dst.exists()
    rc = main(["connectome", *args, str(dst)] if args[0] == "convert" else ["connectome", *args])
    out = capsys.readouterr()
    assert rc == 2, out.err
    assert out.out == ""
    assert out.err.startswith("neurocast: error: ")
    assert "Traceback" not in out.err
    assert "  hint: " in out.err
    for text in expected:
        assert text in out.err, f"{text!r} not in:\n{out.err}"
    assert dst.exists() == existed
    assert {p.name for p in tmp_path.iterdir()} == before  # no .partial leftovers
    return out.err


def flywire_csv(tmp_path, rows=None, columns=None, name="Connectivity.csv"):
    rows = rows or [(ROOT, ROOT + 1, 3, 1), (ROOT + 1, ROOT + 2, 5, -1), (ROOT + 2, ROOT, 2, 1)]
    columns = columns or ["Presynaptic_ID", "Postsynaptic_ID", "Connectivity", "Excitatory"]
    path = tmp_path / name
    path.write_text(",".join(columns) + "\n" + "".join(",".join(map(str, r)) + "\n" for r in rows))
    return path


def generic_csv(tmp_path, body: str, name="edges.csv"):
    path = tmp_path / name
    path.write_text("pre,post,count\n" + body)
    return path


# ---------------------------------------------------------------------------- columns
def test_misspelled_column_names_found_and_expected(tmp_path, capsys):
    src = flywire_csv(tmp_path, columns=["Presynaptic_ID", "Postsynaptic_Id", "Connectivity", "Excitatory"])
    run_bad(capsys, tmp_path, ["convert", str(src)],
            "edge table 'Connectivity.csv' has no column 'Postsynaptic_ID'",
            "did you mean 'Postsynaptic_Id'?",
            "found: Presynaptic_ID, Postsynaptic_Id, Connectivity, Excitatory",
            "expected: Presynaptic_ID, Postsynaptic_ID, Connectivity, Excitatory")


def test_other_layout_read_as_flywire_suggests_mapping(tmp_path, capsys):
    """The example of DESIGN.md §7."""
    src = tmp_path / "edges.csv"
    src.write_text("pre_root_id,post_root_id,syn_count\n1,2,3\n")
    run_bad(capsys, tmp_path, ["convert", str(src), "--from", "flywire"],
            "edge table 'edges.csv' has no column 'Presynaptic_ID'",
            "found: pre_root_id, post_root_id, syn_count",
            "hint: rename it, or read the file as a generic edge list: "
            "pass --columns pre=pre_root_id,post=post_root_id,count=syn_count")


def test_unrecognised_columns(tmp_path, capsys):
    src = tmp_path / "edges.csv"
    src.write_text("presyn,postsyn,n_synapses\n1,2,3\n")
    run_bad(capsys, tmp_path, ["convert", str(src)],
            "cannot tell the format of 'edges.csv' from its columns",
            "found: presyn, postsyn, n_synapses",
            "pass --columns pre=presyn,post=postsyn,count=n_synapses")


@pytest.mark.parametrize("extra,mapped", [
    ("sgn", ",sign=sgn"), ("is_excitatory", ""),  # a 0/1 flag read as signs: 0 = unknown
    ("predictedNt", ",transmitter=predictedNt"),
    ("nt_type", ",transmitter=nt_type"), ("note", "")])
def test_suggested_mapping_keeps_the_sign_column(tmp_path, capsys, extra, mapped):
    """Following the hint must not drop the signs: without them every connection has weight 0."""
    src = tmp_path / "edges.csv"
    src.write_text(f"pre_id,post_id,syn_count,{extra}\n1,2,3,1\n")
    run_bad(capsys, tmp_path, ["info", str(src)],
            f"pass --columns pre=pre_id,post=post_id,count=syn_count{mapped}\n")


def test_a_sign_column_named_like_synapses_is_not_taken_for_the_count(tmp_path, capsys):
    src = tmp_path / "edges.csv"
    src.write_text("pre_id,post_id,syn_sign,syn_count\n1,2,1,3\n")
    run_bad(capsys, tmp_path, ["info", str(src)],
            "pass --columns pre=pre_id,post=post_id,count=syn_count,sign=syn_sign\n")


def test_mapping_names_a_missing_column(tmp_path, capsys):
    src = generic_csv(tmp_path, "1,2,3\n")
    run_bad(capsys, tmp_path, ["convert", str(src), "--columns", "pre=pre,post=post,count=n_syn"],
            "has no column 'n_syn'", "found: pre, post, count", "correct the names given to --columns")


def test_repeated_column_name_or_one_column_in_two_roles(tmp_path, capsys):
    src = tmp_path / "edges.csv"
    src.write_text("pre,post,count,count\n1,2,3,4\n")
    run_bad(capsys, tmp_path, ["info", str(src)],
            "edge table 'edges.csv' has two columns named 'count' (columns 3 and 4)",
            "hint: rename or remove one of them")
    src.write_text("pre,post,count\n1,2,3\n")
    run_bad(capsys, tmp_path, ["info", str(src), "--columns", "pre=pre,post=pre,count=count"],
            "the column mapping gives the column 'pre' two roles, pre and post",
            "hint: map each role to its own column")


def test_header_and_cells_with_spaces_after_the_commas(tmp_path, capsys):
    src = tmp_path / "sp.csv"
    src.write_text("pre, post, count, sign\n1, 2, 3, 1\n2 , 3 , 4 , -1\n")
    (tmp_path / "n.csv").write_text("id, name, transmitter\n1, a , ACh\n2, b, GABA\n3, c, \n")
    for extra in ([], ["--columns", "pre=pre,post=post,count=count,sign=sign"]):
        assert main(["connectome", "info", str(src), "--json", *extra]) == 0
        assert '"n_synapses": 7' in capsys.readouterr().out
    from neurocast.connectome import read_connectome

    c = read_connectome(src, neurons=tmp_path / "n.csv")
    assert list(c.names) == ["a", "b", "c"]
    assert list(c.neurons["transmitter"]) == ["ACh", "GABA", ""]
    np.testing.assert_array_equal(c.weight, [3, -4])
    (tmp_path / "twice.csv").write_text("pre,post,count, count\n1,2,3,4\n")
    run_bad(capsys, tmp_path, ["info", str(tmp_path / "twice.csv")], "two columns named 'count'")


def test_bad_columns_syntax(tmp_path, capsys):
    src = generic_csv(tmp_path, "1,2,3\n")
    run_bad(capsys, tmp_path, ["convert", str(src), "--columns", "pre=pre,post"],
            "--columns item 'post' is not ROLE=COLUMN")
    run_bad(capsys, tmp_path, ["convert", str(src), "--columns", "pre=pre,post=post,cnt=count"],
            "unknown column role(s) 'cnt'", "roles are pre, post, count, sign, weight, transmitter, id")


# ---------------------------------------------------------------------------- values
@pytest.mark.parametrize(("body", "expected"), [
    ("1,2,3\n2,3,2.5\n", "column 'count' must hold whole synapse counts, found 2.5 at line 3"),
    ("1,2,3\n2,3,many\n", "column 'count' must hold whole synapse counts, found 'many' at line 3"),
    ("1,2,-3\n2,3,2\n", "column 'count' must hold positive synapse counts, found -3 at line 2 (1 such rows)"),
    ("1,2,0\n2,3,0\n", "column 'count' must hold positive synapse counts, found 0 at line 2 (2 such rows)"),
    ("1,2,3\n2,3,\n", "column 'count' has 1 NaN or empty synapse count(s), first at line 3"),
    ("1,2,NaN\n2,3,1\n", "column 'count' has 1 NaN or empty synapse count(s), first at line 2"),
    ("1,2,3\n2,3,inf\n", "column 'count' has 1 infinite (inf) synapse count(s), first at line 3"),
    ("1,2,3\n,3,1\n", "column 'pre' has 1 empty or NaN id(s), first at line 3"),
    ("1,2,3\n2,abc,1\n", "column 'post' must hold integer neuron ids, found 'abc' at line 3"),
    ("1,2,3\n2,3.5,1\n", "column 'post' must hold integer neuron ids, found '3.5' at line 3"),
    ("1,2\n", "could not be parsed"),
])
def test_bad_values(tmp_path, capsys, body, expected):
    src = generic_csv(tmp_path, body)
    run_bad(capsys, tmp_path, ["convert", str(src)], f"edge table 'edges.csv' {expected}")


def test_bad_sign(tmp_path, capsys):
    src = flywire_csv(tmp_path, rows=[(ROOT, ROOT + 1, 3, 1), (ROOT + 1, ROOT, 2, 2)])
    run_bad(capsys, tmp_path, ["convert", str(src)],
            "column 'Excitatory' must hold -1, 0 or +1, found 2 at line 3")


def test_flywire_csv_rows_are_reported_as_lines(tmp_path, capsys):
    cols = ["Presynaptic_ID", "Postsynaptic_ID", "Connectivity", "Excitatory",
            "Excitatory x Connectivity"]
    src = flywire_csv(tmp_path, rows=[(ROOT, ROOT + 1, 3, 1, 3), (ROOT + 1, ROOT, 2, -1, 2)],
                      columns=cols)
    run_bad(capsys, tmp_path, ["convert", str(src)],
            "disagrees with Excitatory × Connectivity in 1 row(s), "
            "first at line 3 (2 ≠ -1 × 2)")
    flywire_csv(tmp_path, rows=[(ROOT, ROOT + 1, 3, 1, 0, 1), (ROOT + 1, ROOT, 2, -1, 0, 0)],
                columns=[*cols[:4], "Presynaptic_Index", "Postsynaptic_Index"])
    pd.DataFrame({"Completed": [True, True]}, index=[ROOT, ROOT + 1]).to_csv(
        tmp_path / "Completeness.csv")
    run_bad(capsys, tmp_path, ["convert", str(tmp_path), "--to", "flywire"],
            "column 'Presynaptic_Index' does not match the neuron table in 1 row(s), "
            "first at line 3 "
            f"(index 0, id {ROOT + 1})", dst_name="out")


def test_float_root_ids_in_parquet(tmp_path, capsys):
    src = tmp_path / "Connectivity.parquet"
    pd.DataFrame({"Presynaptic_ID": [float(ROOT)], "Postsynaptic_ID": [float(ROOT + 8)],
                  "Connectivity": [1], "Excitatory": [1]}).to_parquet(src)
    run_bad(capsys, tmp_path, ["convert", str(src)],
            "column 'Presynaptic_ID' holds floating-point ids", "store ids as 64-bit integers")


def test_duplicate_rows_error_unless_summed(tmp_path, capsys):
    src = flywire_csv(tmp_path, rows=[(ROOT, ROOT + 1, 3, 1), (ROOT + 1, ROOT, 2, 1),
                                      (ROOT, ROOT + 1, 4, 1)])
    run_bad(capsys, tmp_path, ["convert", str(src)],
            f"repeats 1 pre→post pair(s), first {ROOT}→{ROOT + 1} at line 2 and line 4",
            "--sum-duplicates")
    dst = tmp_path / "out.npz"
    assert main(["connectome", "convert", str(src), str(dst), "--sum-duplicates", "--json"]) == 0
    assert '"n_synapses": 9' in capsys.readouterr().out
    from neurocast.connectome import load_connectome

    c = load_connectome(dst)
    assert c.n_connections == 2 and c.count[0] == 7


def test_edges_name_neurons_missing_from_neuron_table(tmp_path, capsys):
    rows = [(ROOT, ROOT + 1, 3, 1), (ROOT, ROOT + 77, 1, 1), (ROOT + 1, ROOT + 78, 2, 1),
            (ROOT + 1, ROOT + 79, 2, 1), (ROOT, ROOT + 80, 2, 1), (ROOT, ROOT + 81, 2, 1),
            (ROOT, ROOT + 82, 2, 1)]
    flywire_csv(tmp_path, rows=rows)
    pd.DataFrame({"Completed": [True, True]}, index=[ROOT, ROOT + 1]).to_csv(tmp_path / "Completeness.csv")
    run_bad(capsys, tmp_path, ["convert", str(tmp_path), "--to", "flywire"],
            "names 6 postsynaptic neuron id(s) missing from the neuron table: "
            f"{ROOT + 77}, {ROOT + 78}, {ROOT + 79}, {ROOT + 80}, {ROOT + 81}, … (6 in all)",
            "use the neuron table that belongs to this edge table", dst_name="out")


def test_repeated_neuron_in_neuron_table(tmp_path, capsys):
    src = flywire_csv(tmp_path)
    pd.DataFrame({"Completed": [True] * 4}, index=[ROOT, ROOT + 1, ROOT + 2, ROOT + 1]).to_csv(
        tmp_path / "Completeness.csv")
    run_bad(capsys, tmp_path, ["convert", str(src), "--neurons", str(tmp_path / "Completeness.csv")],
            "neuron table 'Completeness.csv' lists 1 neuron id(s) more than once", str(ROOT + 1))


# ---------------------------------------------------------------------------- empty and unknown
def test_empty_file(tmp_path, capsys):
    src = tmp_path / "edges.csv"
    src.write_text("")
    run_bad(capsys, tmp_path, ["convert", str(src)], "is empty (0 bytes)")


def test_header_without_rows(tmp_path, capsys):
    src = generic_csv(tmp_path, "")
    run_bad(capsys, tmp_path, ["convert", str(src)], "has a header but no rows")
    (tmp_path / "empty.parquet").write_bytes(b"")
    run_bad(capsys, tmp_path, ["info", str(tmp_path / "empty.parquet")], "is empty (0 bytes)")


def test_empty_neuron_table(tmp_path, capsys):
    src = flywire_csv(tmp_path)
    (tmp_path / "Completeness.csv").write_text(",Completed\n")
    run_bad(capsys, tmp_path, ["convert", str(tmp_path), "--to", "neuprint"],
            "neuron table", "has a header but no rows", dst_name="out")
    assert src.exists()


def test_unknown_builtin_name(tmp_path, capsys):
    run_bad(capsys, tmp_path, ["convert", "celegans-cook"],
            "unknown built-in connectome 'celegans-cook'", "did you mean 'celegans-cook2019'")
    run_bad(capsys, tmp_path, ["convert", "zebrafish"],
            "unknown built-in connectome 'zebrafish'",
            "known: celegans-cook2019, celegans-witvliet2021, celegans-varshney2011, "
            "celegans-varshney2011-kunert, fly-synth")


def test_unrecognised_file_format(tmp_path, capsys):
    src = tmp_path / "net.graphml"
    src.write_text("<graphml/>")
    run_bad(capsys, tmp_path, ["convert", str(src)],
            "cannot read", "unrecognised format (suffix '.graphml')", "neurocast reads a .npz file")
    bad = tmp_path / "broken.parquet"
    bad.write_bytes(b"not parquet at all")
    run_bad(capsys, tmp_path, ["convert", str(bad)], "is not a readable parquet file")
    npz = tmp_path / "other.npz"
    np.savez(npz, a=np.arange(3))
    run_bad(capsys, tmp_path, ["convert", str(npz)], "is an .npz file but not a neurocast connectome")


def test_unrecognised_folder(tmp_path, capsys):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "notes.txt").write_text("hello")
    run_bad(capsys, tmp_path, ["convert", str(folder)],
            "is not a connectome folder: unrecognised format", "found: notes.txt")


def test_missing_source_path(tmp_path, capsys):
    run_bad(capsys, tmp_path, ["convert", str(tmp_path / "nope.csv")], "no file or folder at")


# ---------------------------------------------------------------------------- destinations
def test_destination_problems(tmp_path, capsys, tiny_connectome):
    src = tmp_path / "tiny.npz"
    tiny_connectome.save(src)
    run_bad(capsys, tmp_path, ["convert", str(src)], "cannot tell which format to write",
            "end the name in .npz, .csv or .parquet", dst_name="outdir")
    run_bad(capsys, tmp_path, ["convert", str(src), "--to", "hdf5"],
            "unknown connectome format 'hdf5'", dst_name="outdir")
    run_bad(capsys, tmp_path, ["convert", str(src), "--to", "flywire"],
            "the flywire format is a folder", dst_name="out.parquet")
    (tmp_path / "taken.npz").write_bytes(b"keep me")
    run_bad(capsys, tmp_path, ["convert", str(src)], "already exists", "--overwrite",
            dst_name="taken.npz")
    assert (tmp_path / "taken.npz").read_bytes() == b"keep me"


def test_format_that_cannot_store_edge_signs(tmp_path, capsys):
    src = flywire_csv(tmp_path, rows=[(ROOT, ROOT + 1, 3, 1), (ROOT, ROOT + 2, 5, -1)])
    run_bad(capsys, tmp_path, ["convert", str(src), "--to", "neuprint"],
            "neuPrint files cannot store per-edge signs", "convert to flywire", dst_name="out")


def test_bad_reader_options(tmp_path, capsys):
    src = flywire_csv(tmp_path)
    run_bad(capsys, tmp_path, ["convert", str(src), "--neurons", str(tmp_path / "nope.csv")],
            "neuron table", "nope.csv' does not exist", "--neurons")
    run_bad(capsys, tmp_path, ["convert", str(src), "--from", "flywir"],
            "unknown connectome format 'flywir'", "did you mean 'flywire'")


def test_bad_gap_junction_table(tmp_path, capsys, tiny_connectome):
    from neurocast.connectome import write_connectome

    write_connectome(tiny_connectome, tmp_path / "el", "edgelist")
    pd.DataFrame({"neuron_a": [13], "neuron_b": [4242], "count": [1]}).to_parquet(
        tmp_path / "el" / "gap_junctions.parquet")
    run_bad(capsys, tmp_path, ["convert", str(tmp_path / "el")],
            "gap-junction table 'gap_junctions.parquet' names 1 neuron id(s) missing from the "
            "neuron table: 4242")


@pytest.mark.parametrize(("frame", "expected"), [
    (pd.DataFrame({"pre": pd.array([1, None], dtype="Int64"), "post": [2, 3], "count": [1, 2]}),
     "column 'pre' has 1 empty or NaN id(s), first at row 2"),
    (pd.DataFrame({"pre": [1, 2], "post": [2, 3], "count": [1.0, np.nan]}),
     "column 'count' has 1 NaN or empty synapse count(s), first at row 2"),
    (pd.DataFrame({"pre": [1, 2], "post": [2, 3], "count": [1, -2]}),
     "column 'count' must hold positive synapse counts, found -2 at row 2"),
])
def test_bad_values_in_parquet(tmp_path, capsys, frame, expected):
    src = tmp_path / "edges.parquet"
    frame.to_parquet(src)
    run_bad(capsys, tmp_path, ["convert", str(src)], f"edge table 'edges.parquet' {expected}")


def test_ambiguous_flywire_folder(tmp_path, capsys):
    folder = tmp_path / "shiu"
    folder.mkdir()
    flywire_csv(folder, name="Connectivity_630.csv")
    flywire_csv(folder, name="Connectivity_783.csv")
    run_bad(capsys, tmp_path, ["convert", str(folder)],
            "holds 2 Connectivity tables: Connectivity_630.csv, Connectivity_783.csv",
            "give the edge table's path and its neuron table with --neurons")


def test_more_bad_values(tmp_path, capsys):
    src = tmp_path / "edges.parquet"
    pd.DataFrame({"pre": [1, 2], "post": [2, 3], "count": [True, True]}).to_parquet(src)
    run_bad(capsys, tmp_path, ["convert", str(src)],
            "column 'count' holds true/false values, not synapse counts", "--columns count=NAME")
    pd.DataFrame({"pre": [1.0, 2.5], "post": [2, 3], "count": [1, 1]}).to_parquet(src)
    run_bad(capsys, tmp_path, ["convert", str(src)],
            "column 'pre' must hold integer neuron ids, found 2.5 at row 2")
    run_bad(capsys, tmp_path, ["convert", str(src), "--columns", "pre=pre,post=post,pre=count"],
            "--columns gives the role 'pre' twice")


def test_destination_folder_missing_or_a_file(tmp_path, capsys):
    src = generic_csv(tmp_path, "1,2,3\n")
    run_bad(capsys, tmp_path, ["convert", str(src)], "output folder", "does not exist",
            dst_name="no/such/out.npz")
    run_bad(capsys, tmp_path, ["convert", str(src), "--to", "flywire"],
            f"output folder '{src}' is a file, not a folder", dst_name="edges.csv/out")
    run_bad(capsys, tmp_path, ["convert", str(src), "--to", "edgelist"],
            "an edge list is a .csv/.parquet file or a folder, not 'out.npz'")


@pytest.mark.parametrize("dst_name", ["out.npz", "out.parquet", "outdir"])
def test_write_refused_by_the_system(tmp_path, capsys, monkeypatch, dst_name):
    """Disk full (or no permission) while writing: one line, exit 2, no temporary left."""
    import errno

    import pyarrow.parquet as pq

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(np, "savez", full)
    monkeypatch.setattr(pq, "write_table", full)
    monkeypatch.setattr(pd.DataFrame, "to_parquet", full)
    src = tmp_path / "edges.csv"
    src.write_text("pre,post,count,sign\n1,2,3,1\n")  # signed: no note before the error
    args = ["convert", str(src)] + (["--to", "flywire"] if dst_name == "outdir" else [])
    run_bad(capsys, tmp_path, args, f"cannot write '{tmp_path / dst_name}': No space left on device",
            "check that the folder is writable", dst_name=dst_name)


def test_unreadable_source(tmp_path, capsys, monkeypatch):
    import pyarrow.csv as pcsv

    def denied(path, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(pcsv, "read_csv", denied)
    src = generic_csv(tmp_path, "1,2,3\n")
    run_bad(capsys, tmp_path, ["convert", str(src)], f"cannot read '{src}': Permission denied")


@pytest.mark.parametrize("to", ["npz", "flywire", "edgelist"])
def test_ctrl_c_while_writing_leaves_nothing(tmp_path, capsys, monkeypatch, tiny_connectome, to):
    import pyarrow.parquet as pq

    src = tmp_path / "tiny.npz"
    tiny_connectome.save(src)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", interrupted)
    monkeypatch.setattr(pq, "write_table", interrupted)
    monkeypatch.setattr(pd.DataFrame, "to_parquet", interrupted)
    dst = tmp_path / ("out.npz" if to == "npz" else "out")
    assert main(["connectome", "convert", str(src), str(dst), "--to", to]) == 130
    assert "interrupted" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["tiny.npz"]


def test_reader_options_that_do_not_apply(tmp_path, capsys, tiny_connectome):
    run_bad(capsys, tmp_path, ["info", "celegans-cook2019", "--sum-duplicates"],
            "reader options (duplicates) apply to files, not to the built-in connectome")
    src = tiny_connectome.save(tmp_path / "tiny.npz")
    run_bad(capsys, tmp_path, ["info", str(src), "--columns", "pre=a,post=b,count=c"],
            "'tiny.npz' is a neurocast .npz file; a column mapping and a neuron table (--columns, --neurons)")


def test_an_edge_list_of_names_says_where_names_go(tmp_path, capsys):
    path = tmp_path / "names.csv"
    path.write_text("pre,post,count,sign\nAVAL,AVAR,3,1\n")
    run_bad(capsys, tmp_path, ["info", str(path)], "must hold integer neuron ids, found 'AVAL'",
            "hint: edges give neurons by integer id; names go in a neuron table with columns id and "
            "name (--neurons PATH")


def test_info_text_and_json_give_the_same_degree_medians(tmp_path, capsys):
    path = generic_csv(tmp_path, "0,1,1\n0,2,1\n1,2,1\n2,0,1\n2,1,1\n", name="e.csv")
    neurons = tmp_path / "n.csv"
    neurons.write_text("id\n0\n1\n2\n3\n4\n5\n")  # out-degrees 2, 1, 2, 0, 0, 0
    args = ["connectome", "info", str(path), "--neurons", str(neurons)]
    assert main([*args, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["out_degree"]["median"] == 0.5
    assert main(args) == 0
    assert "out-degree            mean 0.8, median 0.5, max 2" in capsys.readouterr().out
