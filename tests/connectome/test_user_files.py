"""Connectome files as users have them: FlyWire Codex downloads (.csv.gz, nt_type with gaps),
other separators, no header, ragged neuron tables, unsigned 64-bit ids."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from neurocast.cli import main
from neurocast.connectome import write_connectome
from neurocast.errors import FormatError

ROOT = 720575940596125868
CODEX = {"pre": "pre_root_id", "post": "post_root_id", "count": "syn_count"}


def codex_frame() -> pd.DataFrame:
    """A FlyWire Codex connections table: one row per pair and neuropil, nt_type per row."""
    return pd.DataFrame({
        "pre_root_id": [ROOT, ROOT, ROOT + 1, ROOT + 2, ROOT + 2],
        "post_root_id": [ROOT + 1, ROOT + 1, ROOT + 2, ROOT, ROOT + 2],
        "neuropil": ["AL_L", "MB_R", "LH_L", "AL_L", "AL_L"],
        "syn_count": [5, 7, 6, 9, 8],
        "nt_type": ["ACH", "ACH", "GABA", "GLUT", "GLUT"],
    })


def run_cli_bad(capsys, args, *expected):
    rc = main(["connectome", *args])
    err = capsys.readouterr().err
    assert rc == 2, err
    assert err.startswith("neurocast: error: ") and "Traceback" not in err and "  hint: " in err
    for text in expected:
        assert text in err, f"{text!r} not in:\n{err}"


def test_gzipped_codex_download_reads_like_the_csv(tmp_path, read_quiet):
    frame = codex_frame()
    frame.to_csv(tmp_path / "connections.csv", index=False)
    frame.to_csv(tmp_path / "connections.csv.gz", index=False, compression="gzip")
    plain = read_quiet(tmp_path / "connections.csv", columns=CODEX, duplicates="sum")
    packed = read_quiet(tmp_path / "connections.csv.gz", columns=CODEX, duplicates="sum")
    assert packed.equals(plain)
    assert packed.name == "connections"
    assert (packed.n_neurons, packed.n_connections, int(packed.count.sum())) == (3, 4, 35)
    with pytest.raises(FormatError, match="does not write them"):
        write_connectome(packed, tmp_path / "out.csv.gz")
    assert not (tmp_path / "out.csv.gz").exists()


def test_tab_separated_files_read_like_the_csv(tmp_path, read_quiet):
    frame = codex_frame()
    frame.to_csv(tmp_path / "connections.csv", index=False)
    plain = read_quiet(tmp_path / "connections.csv", columns=CODEX, duplicates="sum")
    # a .tsv is split at tabs only: a comma inside a name stays part of it
    frame.rename(columns={"neuropil": "neuropil, left or right"}).to_csv(
        tmp_path / "connections.tsv", index=False, sep="\t")
    frame.to_csv(tmp_path / "connections.tsv.gz", index=False, sep="\t", compression="gzip")
    for name in ("connections.tsv", "connections.tsv.gz"):
        read = read_quiet(tmp_path / name, columns=CODEX, duplicates="sum")
        assert read.equals(plain) and read.name == "connections", name
    with pytest.raises(FormatError, match=r"reads \.tsv files but does not write them") as err:
        write_connectome(plain, tmp_path / "out.tsv")
    assert "out.csv" in err.value.hint and not (tmp_path / "out.tsv").exists()


def test_truncated_gzip_is_one_message(tmp_path, capsys):
    frame = pd.concat([codex_frame()] * 200)
    frame["syn_count"] = np.arange(1, len(frame) + 1)
    frame.to_csv(tmp_path / "full.csv.gz", index=False, compression="gzip")
    data = (tmp_path / "full.csv.gz").read_bytes()
    (tmp_path / "cut.csv.gz").write_bytes(data[:len(data) // 2])
    run_cli_bad(capsys, ["info", str(tmp_path / "cut.csv.gz"), "--columns",
                         "pre=pre_root_id,post=post_root_id,count=syn_count", "--sum-duplicates"],
                "'cut.csv.gz' could not be decompressed")
    pd.DataFrame({"root_id": [ROOT, ROOT + 1, ROOT + 2] * 300}).to_csv(
        tmp_path / "neurons.csv.gz", index=False, compression="gzip")
    data = (tmp_path / "neurons.csv.gz").read_bytes()
    (tmp_path / "neurons-cut.csv.gz").write_bytes(data[:len(data) - 12])
    codex_frame().to_csv(tmp_path / "connections.csv", index=False)
    run_cli_bad(capsys, ["info", str(tmp_path / "connections.csv"), "--columns",
                         "pre=pre_root_id,post=post_root_id,count=syn_count", "--sum-duplicates",
                         "--neurons", str(tmp_path / "neurons-cut.csv.gz")],
                "neuron table 'neurons-cut.csv.gz' could not be read")


@pytest.mark.parametrize("sep", [";", "\t"])
def test_semicolon_and_tab_separated_tables(tmp_path, sep, read_quiet):
    codex_frame().to_csv(tmp_path / "connections.csv", index=False, sep=sep)
    names = pd.DataFrame({"root_id": [ROOT, ROOT + 1, ROOT + 2], "name": ["a,1", "b", "ç"]})
    names.to_csv(tmp_path / "names.csv", index=False, sep=sep)
    c = read_quiet(tmp_path / "connections.csv", columns=CODEX, duplicates="sum",
                   neurons=tmp_path / "names.csv")
    assert list(c.ids) == [ROOT, ROOT + 1, ROOT + 2]
    assert list(c.neurons["name"]) == ["a,1", "b", "ç"]
    assert int(c.count.sum()) == 35 and c.n_connections == 4
    assert list(np.sign(c.weight)) == [1, -1, -1, -1]  # ACH, GABA, GLUT, GLUT


def test_file_without_header_says_so(tmp_path, capsys):
    codex_frame().to_csv(tmp_path / "edges.csv", index=False, header=False)
    for extra in ([], ["--columns", "pre=a,post=b,count=c"]):
        run_cli_bad(capsys, ["info", str(tmp_path / "edges.csv"), *extra],
                    "'edges.csv' has no header row: its first line holds values", "add a first line")


def test_ragged_neuron_table_is_refused_not_shifted(tmp_path, capsys):
    codex_frame().to_csv(tmp_path / "connections.csv", index=False)
    mapping = "pre=pre_root_id,post=post_root_id,count=syn_count,id=root_id"
    for name, body in (("extra.csv", f"{ROOT},a,x\n{ROOT + 1},b,y\n{ROOT + 2},c,z\n"),
                       ("later.csv", f"{ROOT},a\n{ROOT + 1},b,y,z\n{ROOT + 2},c\n")):
        (tmp_path / name).write_text("root_id,name\n" + body)
        run_cli_bad(capsys, ["info", str(tmp_path / "connections.csv"), "--columns", mapping,
                             "--sum-duplicates", "--neurons", str(tmp_path / name)],
                    f"neuron table '{name}' could not be parsed", "Expected 2 columns")


def test_unsigned_ids_beyond_int64_are_named_not_wrapped(tmp_path, read_quiet):
    pd.DataFrame({"pre": np.array([2**63 + 5, 5], np.uint64), "post": np.array([5, 7], np.uint64),
                  "count": [1, 2]}).to_parquet(tmp_path / "e.parquet")
    with pytest.raises(FormatError, match="beyond the int64 range, 9223372036854775813"):
        read_quiet(tmp_path / "e.parquet")
    pd.DataFrame({"pre": np.array([2**63 - 1, 5], np.uint64), "post": np.array([5, 7], np.uint64),
                  "count": [1, 2]}).to_parquet(tmp_path / "ok.parquet")
    assert list(read_quiet(tmp_path / "ok.parquet").ids) == [5, 7, 2**63 - 1]


def test_empty_edge_transmitter_falls_back_to_the_neuron_table(tmp_path, read_quiet):
    frame = codex_frame()
    frame["nt_type"] = ["ACH", "", "", "GLUT", "DA"]  # pair ROOT→ROOT+1: ACH + empty, summed
    frame.to_csv(tmp_path / "connections.csv", index=False)
    pd.DataFrame({"root_id": [ROOT, ROOT + 1, ROOT + 2], "nt_type": ["ACH", "GABA", "ACH"]}).to_csv(
        tmp_path / "neurons.csv", index=False)
    c = read_quiet(tmp_path / "connections.csv", columns=CODEX, duplicates="sum",
                   neurons=tmp_path / "neurons.csv")
    ids = c.ids
    got = {(int(ids[a]), int(ids[b])): float(w)
           for a, b, w in zip(c.pre_positions(), c.indices, c.weight, strict=True)}
    assert got == {(ROOT, ROOT + 1): 12.0,       # ACH row + empty row (neuron: ACH)
                   (ROOT + 1, ROOT + 2): -6.0,   # empty row: the neuron table's GABA
                   (ROOT + 2, ROOT): -9.0,       # the edge's own GLUT wins over the table
                   (ROOT + 2, ROOT + 2): 0.0}    # DA: no sign, not replaced


def test_gzip_header_of_a_plain_file_is_one_message(tmp_path, capsys):
    codex_frame().to_csv(tmp_path / "plain.csv.gz", index=False, compression=None)  # not gzip
    run_cli_bad(capsys, ["info", str(tmp_path / "plain.csv.gz"), "--columns",
                         "pre=pre_root_id,post=post_root_id,count=syn_count", "--sum-duplicates"],
                "plain.csv.gz' is not a readable CSV text file", "Not a gzipped file")
