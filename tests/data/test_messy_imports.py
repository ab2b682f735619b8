"""Real files are messy: byte-order marks, comment lines, cut-off rows, odd metadata.

Each test builds a small file the way lab software or a hurried export writes it, and checks
that ``load_matrix`` / ``load_zapbench`` / ``neurocast data import`` read it truthfully or
refuse it with one clear error.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import neurocast.data as nd
from neurocast.cli import main
from neurocast.errors import ConfigError, FormatError

X = np.cumsum(np.random.default_rng(0).normal(0, 0.05, (40, 3)), axis=0)


def _rows(x=X) -> str:
    return "".join(",".join(f"{v:.4f}" for v in row) + "\n" for row in x)


# ---------------------------------------------------------------------- names files

def test_names_file_with_bom_crlf_and_trailing_blank_lines(tmp_path):
    np.save(tmp_path / "m.npy", X)
    (tmp_path / "names.txt").write_bytes("\ufeffAVAL\r\n\r\nAVAL\r\n\r\n\r\n".encode())
    ds = nd.load_matrix(tmp_path / "m.npy", dt_s=0.5, neuron_names=tmp_path / "names.txt")
    assert ds.neuron.values.tolist() == ["AVAL", "unnamed-1", "AVAL#2"]
    assert ds.label.values.tolist() == ["AVAL", "", "AVAL"]


def test_names_file_whose_last_neuron_is_unnamed(tmp_path):
    np.save(tmp_path / "m.npy", X)
    (tmp_path / "names.txt").write_text("A\nB\n\n")  # the third neuron has no name
    ds = nd.load_matrix(tmp_path / "m.npy", dt_s=0.5, neuron_names=tmp_path / "names.txt")
    assert ds.neuron.values.tolist() == ["A", "B", "unnamed-2"]


# ---------------------------------------------------------------------- text tables

def test_csv_with_bom_and_no_header_keeps_its_first_frame(tmp_path):
    (tmp_path / "m.csv").write_bytes(("\ufeff" + _rows()).encode())
    ds = nd.load_matrix(tmp_path / "m.csv", dt_s=0.5)
    assert ds.sizes["time"] == 40 and ds.neuron.values.tolist() == ["0", "1", "2"]
    np.testing.assert_allclose(ds.traces.values[0], X[0], atol=1e-4)


def test_csv_repeated_and_blank_header_names_follow_the_naming_rules(tmp_path):
    (tmp_path / "m.csv").write_bytes(("\ufefftime_ms,AVAL,,AVAL\r\n" + "".join(
        f"{500 * i},{r}" for i, r in enumerate(_rows().splitlines(keepends=True)))).encode())
    ds = nd.load_matrix(tmp_path / "m.csv")
    assert ds.neuron.values.tolist() == ["AVAL", "unnamed-1", "AVAL#2"]
    assert ds.label.values.tolist() == ["AVAL", "", "AVAL"]
    assert ds.attrs["dt_s"] == pytest.approx(0.5)


def test_csv_comment_lines_above_the_header_are_skipped(tmp_path):
    (tmp_path / "m.csv").write_text("# GCaMP6s, 2 Hz\n\n# exported by scope v2\na,b,c\n" + _rows())
    ds = nd.load_matrix(tmp_path / "m.csv", dt_s=0.5)
    assert ds.neuron.values.tolist() == ["a", "b", "c"] and ds.sizes["time"] == 40


def test_csv_cut_off_last_row_is_refused_not_read_as_nan(tmp_path):
    (tmp_path / "m.csv").write_text("a,b,c\n" + _rows() + "0.1,0.2\n")
    with pytest.raises(FormatError, match="last row holds 2 of the 3 cells") as err:
        nd.load_matrix(tmp_path / "m.csv", dt_s=0.5, allow_nan=True)
    assert "cut off" in err.value.message


def test_header_with_a_cell_too_few_is_refused(tmp_path):
    (tmp_path / "m.csv").write_text("b,c\n" + _rows())
    with pytest.raises(FormatError, match="header row has 2 cells but the rows 3") as err:
        nd.load_matrix(tmp_path / "m.csv", dt_s=0.5)
    assert "',a,b'" in err.value.hint


def test_header_without_rows_is_refused(tmp_path):
    (tmp_path / "m.csv").write_text("a,b,c\n")
    with pytest.raises(FormatError, match="no rows of values below its header"):
        nd.load_matrix(tmp_path / "m.csv", dt_s=0.5)


def test_non_numeric_cells_are_named(tmp_path):
    (tmp_path / "rows.csv").write_text(",0.0,0.5,1.0\nn0,1,2,3\nn1,4,5,6\n")
    with pytest.raises(FormatError, match="column 1 holds 'n0' in row 2") as err:
        nd.load_matrix(tmp_path / "rows.csv", dt_s=0.5)
    assert "df.T.to_csv" in err.value.hint
    (tmp_path / "eu.csv").write_text("time;a\n0,0;0,12\n0,5;stim\n")
    with pytest.raises(FormatError, match=r"column 2 \('a'\) holds 'stim' in row 2"):
        nd.load_matrix(tmp_path / "eu.csv")


def test_decimal_commas_are_read_as_numbers(tmp_path):
    """';' tables of continental European locales: '0,12' is 0.12, with a note; also without
    a header row (the first row is then a frame, not names)."""
    (tmp_path / "eu.csv").write_text("time;a;b\n0,0;0,12;1\n0,5;-1,5e-1;2\n1,0;,25;1.234,5\n")
    ds = nd.load_matrix(tmp_path / "eu.csv")
    np.testing.assert_allclose(ds.time.values, [0.0, 0.5, 1.0])
    np.testing.assert_allclose(ds.traces.values, [[0.12, 1], [-0.15, 2], [0.25, 1234.5]],
                               rtol=1e-6)
    assert any("7 cells are written with a decimal comma" in n for n in ds.attrs["import_notes"])
    (tmp_path / "plain.csv").write_text("0,1;0,12\n0,2;0,13\n0,3;0,14\n")
    ds = nd.load_matrix(tmp_path / "plain.csv", dt_s=1.0)
    assert ds.sizes == {"time": 3, "neuron": 2}
    np.testing.assert_allclose(ds.traces.values, [[0.1, 0.12], [0.2, 0.13], [0.3, 0.14]],
                               rtol=1e-6)


def test_commas_that_may_be_thousands_separators_are_refused(tmp_path):
    (tmp_path / "f.tsv").write_text("a\tb\n1,234\t2,345\n3,456\t4,567\n")
    with pytest.raises(FormatError, match="'1,234' may be numbers with a decimal comma or with "
                                          "a thousands separator") as err:
        nd.load_matrix(tmp_path / "f.tsv", dt_s=1.0)
    assert "export the numbers without them" in err.value.hint
    (tmp_path / "g.tsv").write_text("a\tb\n1,234\t0,5\n3,456\t4,567\n")  # '0,5': decimals
    np.testing.assert_allclose(nd.load_matrix(tmp_path / "g.tsv", dt_s=1.0).traces.values,
                               [[1.234, 0.5], [3.456, 4.567]], rtol=1e-6)


# ---------------------------------------------------------------------- values and metadata

def test_values_beyond_float32_are_refused_without_a_numpy_warning(tmp_path):
    np.save(tmp_path / "big.npy", X * 1e40)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(FormatError, match="beyond the range of float32"):
            nd.load_matrix(tmp_path / "big.npy", dt_s=0.5)


def test_boolean_matrix_is_refused(tmp_path):
    np.save(tmp_path / "b.npy", X > 0)
    with pytest.raises(FormatError, match="dtype bool does not hold fluorescence values"):
        nd.load_matrix(tmp_path / "b.npy", dt_s=0.5)


@pytest.mark.parametrize(("meta", "said"), [({"dt": 0.0}, "frame interval 'dt' is 0"),
                                            ({"fps": -5.0}, "frame rate 'fps' is -5"),
                                            ({"fps": 0.0}, "frame rate 'fps' is 0,")])
def test_file_frame_interval_that_is_not_positive_is_named(tmp_path, meta, said):
    np.savez(tmp_path / "m.npz", traces=X, **meta)
    with pytest.raises(FormatError, match=said) as err:
        nd.load_matrix(tmp_path / "m.npz")
    assert "--dt-s" in err.value.hint


def test_missing_timestamp_gets_its_own_hint(tmp_path):
    t = np.arange(40) * 0.5
    t[5] = np.nan
    np.savez(tmp_path / "m.npz", traces=X, time=t)
    with pytest.raises(FormatError, match="not a number at row 6") as err:
        nd.load_matrix(tmp_path / "m.npz")
    assert "sort" not in err.value.hint and "--dt-s" in err.value.hint


def test_integer_ids_name_the_neurons(tmp_path):
    np.savez(tmp_path / "m.npz", traces=X, neuron_ids=np.array([7, 9, 11]),
             labels=np.arange(40) % 3, fps=2.0)  # integer labels per frame are not names
    ds = nd.load_matrix(tmp_path / "m.npz")
    assert ds.neuron.values.tolist() == ["7", "9", "11"] and ds.sizes["time"] == 40


def test_timestamps_in_minutes_are_read_in_seconds_not_overlooked(tmp_path):
    np.savez(tmp_path / "m.npz", traces=X, time_min=np.arange(40) / 120)
    assert nd.load_matrix(tmp_path / "m.npz").attrs["dt_s"] == pytest.approx(0.5)
    np.savez(tmp_path / "f.npz", traces=X, time_frames=np.arange(40.0))
    with pytest.raises(FormatError, match="holds no timestamps or frame interval"):  # not seconds
        nd.load_matrix(tmp_path / "f.npz")


def test_matrix_wider_than_long_without_metadata_is_flagged(tmp_path):
    np.save(tmp_path / "F.npy", X.T)  # suite2p's F.npy: (neuron, time)
    with pytest.warns(UserWarning, match="if the rows are neurons .* --transpose"):
        ds = nd.load_matrix(tmp_path / "F.npy", dt_s=0.5)
    assert any("--transpose" in n for n in ds.attrs["import_notes"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nd.load_matrix(tmp_path / "F.npy", dt_s=0.5, neuron_names=[str(i) for i in range(40)])


def test_doubts_are_printed_once_and_repeated_by_data_info(tmp_path, capsys):
    np.save(tmp_path / "raw.npy", (X * 100 + 2000).astype(np.int16))
    assert main(["data", "import", str(tmp_path / "raw.npy"), str(tmp_path / "raw.zarr"),
                 "--format", "matrix", "--dt-s", "0.5", "-q"]) == 0
    assert capsys.readouterr().err.count("looks like raw fluorescence") == 1
    assert main(["data", "info", str(tmp_path / "raw.zarr")]) == 0
    out = capsys.readouterr().out
    assert "import note" in out and "looks like raw fluorescence" in out


def test_single_neuron_is_counted_in_the_singular(tmp_path, capsys):
    np.save(tmp_path / "one.npy", X[:, :1])
    assert main(["data", "import", str(tmp_path / "one.npy"), str(tmp_path / "one.zarr"),
                 "--format", "matrix", "--dt-s", "0.5", "-q"]) == 0
    assert "40 frames × 1 neuron," in capsys.readouterr().err


def test_an_option_a_format_does_not_take_is_named_by_its_flag(tmp_path):
    with pytest.raises(ConfigError, match="does not take --names") as err:
        nd.load_recording(tmp_path / "x.nwb", "nwb", neuron_names=["a"])
    assert "--conditions, --heldout" in err.value.hint and "--condition-offsets" not in err.value.hint


# ---------------------------------------------------------------------- ZAPBench layout

def test_zapbench_names_follow_the_naming_rules(tmp_path, zapbench_like):
    zapbench_like(tmp_path / "traces", n_neuron=3)
    ds = nd.load_zapbench(tmp_path / "traces", condition_offsets=None, condition_names=None,
                          neuron_names=["A", "", "A"])
    assert ds.neuron.values.tolist() == ["A", "unnamed-1", "A#2"]
    assert ds.label.values.tolist() == ["A", "", "A"]


def test_zapbench_shorter_recording_and_a_file_get_the_right_hint(tmp_path, zapbench_like):
    zapbench_like(tmp_path / "traces")
    with pytest.raises(FormatError, match="end at frame 7879 but the traces have 40") as err:
        nd.load_zapbench(tmp_path / "traces")
    assert "--conditions 0,40:all" in err.value.hint
    np.save(tmp_path / "m.npy", X)
    with pytest.raises(FormatError, match="is a file") as err:
        nd.load_zapbench(tmp_path / "m.npy")
    assert "--format matrix" in err.value.hint


def test_a_pause_in_the_frame_times_is_noted_unless_resampled(tmp_path):
    t = np.r_[np.arange(100) * 0.1, 30.0 + np.arange(100) * 0.1]
    x = np.random.default_rng(0).standard_normal((200, 3))
    src = tmp_path / "p.csv"
    np.savetxt(src, np.c_[t, x], delimiter=",", header="time_s,a,b,c", comments="")
    with pytest.warns(UserWarning, match=r"pause 1 time\(s\), the longest for 20\.1 s after "
                                         r"frame 99 .*--resample 0\.1 --allow-nan"):
        ds = nd.load_recording(src, "matrix")
    assert any("pause" in n for n in ds.attrs["import_notes"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # resampled: the pause is a NaN gap, nothing to say
        ds = nd.load_recording(src, "matrix", resample_s=0.1, allow_nan=True)
    assert np.isnan(ds["traces"].values).any()
    jitter = np.cumsum(np.random.default_rng(1).uniform(0.09, 0.11, 200))  # no pause: no note
    np.savetxt(src, np.c_[jitter, x], delimiter=",", header="time_s,a,b,c", comments="")
    assert not any("pause" in n for n in nd.load_recording(src, "matrix").attrs.get("import_notes", []))


def test_a_csv_wider_than_the_tail_read_is_not_taken_for_cut_off(tmp_path):
    """Rows longer than the 64 KiB first read from the end (a whole-brain export) are whole."""
    src = tmp_path / "wide.csv"
    np.savetxt(src, np.random.default_rng(0).random((5, 12_000)), delimiter=",", fmt="%.6f")
    with pytest.warns(UserWarning, match="--transpose"):
        assert nd.load_recording(src, "matrix", dt_s=0.5).sizes == {"time": 5, "neuron": 12_000}
    src.write_text(src.read_text().rstrip("\n").rsplit(",", 7)[0] + "\n")  # now really cut off
    with pytest.raises(FormatError, match="its last row holds 11993 of the 12000 cells"):
        nd.load_recording(src, "matrix", dt_s=0.5)


def test_one_neuron_and_one_frame_are_singular_in_messages():
    from neurocast.cli._output import count

    assert count(1, "neuron") == "1 neuron" and count(0, "neuron") == "0 neurons"
    assert count(2000, "frame") == "2,000 frames"
