"""Tables of traces in other shapes than (time × neuron): long (tidy) tables, one row per frame
and neuron, pivoted; tables whose rows are neurons; a single frame (docs/datasets.md, "Long
tables" and "Text tables")."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import neurocast.data as nd
from neurocast.cli import main
from neurocast.errors import FormatError, NonFiniteError

RNG = np.random.default_rng(4)
T, N = 12, 5
NAMES = ["AVAL", "AVAR", "RIML", "SMDVL", "AIBL"]
TIMES = np.round(np.cumsum(RNG.uniform(0.45, 0.75, T)), 4)  # uneven, as a worm's volumes
X = RNG.normal(0, 0.2, (T, N)).astype("f4")


def _notes(ds) -> str:
    return " | ".join(ds.attrs.get("import_notes", []))


@pytest.mark.parametrize("suffix,sep", [(".csv", ","), (".tsv", "\t")])
def test_long_table_with_text_names_is_pivoted(tmp_path, suffix, sep):
    src = tmp_path / f"long{suffix}"
    pd.DataFrame({"time": np.repeat(TIMES, N), "neuron": np.tile(NAMES, T),
                  "dff": X.ravel()}).to_csv(src, index=False, sep=sep)
    ds = nd.load_matrix(src)
    assert ds.sizes == {"time": T, "neuron": N}
    assert ds.neuron.values.tolist() == NAMES  # in the order they first appear, not sorted
    np.testing.assert_allclose(ds.time.values, TIMES - TIMES[0], atol=1e-9)
    np.testing.assert_allclose(ds.traces.values, X, rtol=1e-6)
    assert ("long table (one row per frame and neuron, 60 rows): pivoted to 12 frames × 5 "
            "neurons, the frames from column 'time', the neurons' names from 'neuron', their "
            "values from 'dff'") in _notes(ds)


def test_long_table_of_cell_ids_follows_the_given_dt(tmp_path):
    """The reviewer's case: with --dt-s, 'cell_id' and 'dff' were read as two neurons."""
    src = tmp_path / "long_cellid.csv"
    pd.DataFrame({"time": np.repeat(TIMES, N), "cell_id": np.tile(np.arange(N), T),
                  "dff": X.ravel()}).to_csv(src, index=False)
    for dt_s, time in ((None, TIMES - TIMES[0]), (0.5, 0.5 * np.arange(T))):
        ds = nd.load_matrix(src, dt_s=dt_s)
        assert ds.sizes == {"time": T, "neuron": N}
        assert ds.neuron.values.tolist() == ["0", "1", "2", "3", "4"]
        np.testing.assert_allclose(ds.time.values, time, atol=1e-9)
        np.testing.assert_allclose(ds.traces.values, X, rtol=1e-6)


def test_long_table_sorted_by_neuron_then_time(tmp_path):
    src = tmp_path / "long_by_cell.csv"
    pd.DataFrame({"cell_id": np.repeat(np.arange(N), T), "time_s": np.tile(TIMES, N),
                  "dff": X.T.ravel()}).to_csv(src, index=False)
    ds = nd.load_matrix(src)
    assert ds.neuron.values.tolist() == ["0", "1", "2", "3", "4"]
    np.testing.assert_allclose(ds.time.values, TIMES - TIMES[0], atol=1e-9)
    np.testing.assert_allclose(ds.traces.values, X, rtol=1e-6)


def test_long_table_of_frame_numbers_with_a_missing_frame(tmp_path, capsys):
    """frame,roi,dff: frame numbers (1-based, frame 4 has no row, ROI 7 misses frame 2) need
    --dt-s; the CLI read them as three neurons 'frame', 'roi', 'dff' before."""
    src = tmp_path / "long_frame_roi.csv"
    src.write_text("frame,roi,dff\n1,3,0.1\n1,7,0.2\n2,3,0.3\n3,3,0.5\n3,7,0.6\n5,3,0.7\n"
                   "5,7,0.8\n")
    with pytest.raises(FormatError, match="holds no timestamps or frame interval"):
        nd.load_matrix(src)
    with pytest.raises(NonFiniteError):
        nd.load_matrix(src, dt_s=0.2)
    ds = nd.load_matrix(src, dt_s=0.2, allow_nan=True)
    assert ds.neuron.values.tolist() == ["3", "7"]
    np.testing.assert_allclose(ds.time.values, 0.2 * np.arange(5), atol=1e-9)
    expected = np.array([[0.1, 0.2], [0.3, np.nan], [0.5, 0.6], [np.nan, np.nan], [0.7, 0.8]])
    np.testing.assert_allclose(ds.traces.values, expected, rtol=1e-6)  # NaN where NaN
    notes = _notes(ds)
    assert "3 (frame, neuron) pairs are not in the table: NaN" in notes
    assert "(1 frame numbers between the first and the last have no row)" in notes
    assert "column 'frame' counts frames" in notes
    out = tmp_path / "o.zarr"
    assert main(["data", "import", str(src), str(out), "--dt-s", "0.2", "--allow-nan"]) == 0
    assert "note: long table" in capsys.readouterr().err
    assert nd.open_dataset(out, allow_nan=True).neuron.values.tolist() == ["3", "7"]


def test_long_table_of_one_neuron(tmp_path):
    src = tmp_path / "one.csv"
    src.write_text("time (ms),neuron,dff\n0,AVAL,0.1\n500,AVAL,0.2\n1000,AVAL,0.3\n")
    ds = nd.load_matrix(src)
    assert ds.neuron.values.tolist() == ["AVAL"]
    np.testing.assert_allclose(ds.time.values, [0, 0.5, 1.0])
    np.testing.assert_allclose(ds.traces.values[:, 0], [0.1, 0.2, 0.3], rtol=1e-6)


def test_long_table_keeps_a_frame_index_and_named_stimulus_per_frame(tmp_path):
    src = tmp_path / "stim.csv"
    src.write_text("time,frame,cell_id,dff,stim\n0,0,0,0.1,0\n0,0,1,0.2,0\n0.5,1,1,0.4,1\n"
                   "0.5,1,0,0.3,1\n1.0,2,0,0.5,0\n1.0,2,1,0.6,0\n")
    with pytest.raises(FormatError, match=r"2 value columns \('dff', 'stim'\)") as err:
        nd.load_matrix(src)
    assert "'stim' hold one value per frame" in err.value.hint
    assert "--stimulus-columns stim" in err.value.hint
    ds = nd.load_matrix(src, stimulus_columns="stim")
    assert ds.neuron.values.tolist() == ["0", "1"]
    np.testing.assert_allclose(ds.traces.values, [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]], rtol=1e-6)
    np.testing.assert_allclose(ds.stimulus.values[:, 0], [0, 1, 0])
    np.testing.assert_allclose(ds.time.values, [0, 0.5, 1.0])


def test_ambiguous_long_tables_are_refused_with_the_pivot(tmp_path):
    several = tmp_path / "several.csv"
    several.write_text("time,cell_id,dff,F\n0,0,0.1,5\n0,1,0.2,6\n1,0,0.3,7\n1,1,0.4,9\n")
    with pytest.raises(FormatError, match=r"2 value columns \('dff', 'F'\), not one") as err:
        nd.load_matrix(several)
    assert "df.pivot(index='time', columns='cell_id', values='dff')" in err.value.hint
    twice = tmp_path / "twice.csv"
    twice.write_text("time,neuron,dff\n0,AVAL,0.1\n0,AVAR,0.2\n1,AVAL,0.3\n1,AVAL,0.4\n")
    with pytest.raises(FormatError, match=r"2 rows repeat a \(frame, neuron\) pair \(first: "
                       r"'time' 1 and 'neuron' 'AVAL', in rows 3, 4 below") as err:
        nd.load_matrix(twice)
    assert "df.drop_duplicates(['time', 'neuron'])" in err.value.hint
    two_ids = tmp_path / "two_ids.csv"
    two_ids.write_text("time,roi,name,dff\n0,1,AVAL,0.1\n0,2,AVAR,0.2\n1,1,AVAL,0.3\n"
                       "1,2,AVAR,0.4\n")
    with pytest.raises(FormatError, match=r"2 columns could name the neurons \('roi', 'name'\)"):
        nd.load_matrix(two_ids)


def test_a_label_per_frame_is_not_a_long_table(tmp_path):
    """A condition label in a wide table repeats per frame: refused as before, not pivoted."""
    src = tmp_path / "cond.csv"
    src.write_text("time,AVAL,condition\n0,0.1,rest\n0,0.2,rest\n2,0.3,odor\n")
    with pytest.raises(FormatError, match=r"column 3 \('condition'\) holds 'rest'") as err:
        nd.load_matrix(src)
    assert "--conditions" in err.value.hint


def test_neurons_as_rows_under_a_header_of_frame_times(tmp_path):
    """rows_fewer_neurons.csv: 'neuron,0.733,1.336,...' then one row per neuron."""
    src = tmp_path / "rows_fewer_neurons.csv"
    rows = pd.DataFrame(X.T, index=NAMES, columns=[f"{x:.3f}" for x in TIMES])
    rows.index.name = "neuron"
    rows.to_csv(src)
    ds = nd.load_matrix(src)
    assert ds.sizes == {"time": T, "neuron": N}
    assert ds.neuron.values.tolist() == NAMES
    header = np.array([float(f"{x:.3f}") for x in TIMES])  # the times as the header writes them
    np.testing.assert_allclose(ds.time.values, header - header[0], atol=1e-9)
    np.testing.assert_allclose(ds.traces.values, X, rtol=1e-6)
    assert "the rows are neurons, read as (neuron × time): 5 neurons" in _notes(ds)


def test_neurons_as_rows_under_frame_numbers(tmp_path):
    """rows_more_neurons.csv with its index named: 'cell,0,1,...' above 40 rows of 15 frames."""
    y = RNG.normal(0, 0.2, (40, 15))
    rows = pd.DataFrame(y, index=pd.Index([f"cell{i}" for i in range(40)], name="cell"))
    rows.to_csv(tmp_path / "rows.csv")
    ds = nd.load_matrix(tmp_path / "rows.csv", dt_s=0.5)
    assert ds.sizes == {"time": 15, "neuron": 40}
    assert ds.neuron.values.tolist()[:3] == ["cell0", "cell1", "cell2"]
    np.testing.assert_allclose(ds.time.values, 0.5 * np.arange(15))
    np.testing.assert_allclose(ds.traces.values, y.T, rtol=1e-6)
    assert "numbered by the header (give the frame interval with --dt-s)" in _notes(ds)


def test_labelled_rows_that_repeat_a_label_get_the_transpose_hint(tmp_path):
    src = tmp_path / "rows.csv"
    src.write_text("neuron,0.5,1.0,1.5\nAVAL,1,2,3\nAVAL,4,5,6\n")
    with pytest.raises(FormatError, match=r"column 1 \('neuron'\) holds 'AVAL'") as err:
        nd.load_matrix(src)
    assert "rows are neurons" in err.value.hint and "df.T" in err.value.hint
    assert "stimulus or behaviour labels" not in err.value.hint


def test_one_frame_is_counted_without_its_time_column(tmp_path):
    src = tmp_path / "one_frame.csv"
    pd.DataFrame({"time": [0.0], "AVAL": [0.1], "AVAR": [0.0]}).to_csv(src, index=False)
    with pytest.raises(FormatError, match=r"1 frame \(a single row of values below the header\) "
                       r"× 2 neuron\(s\) \('AVAL', 'AVAR'\); column 'time' holds its time") as err:
        nd.load_matrix(src, dt_s=0.5)
    assert "--transpose" not in err.value.hint and "export the whole recording" in err.value.hint


def _wide_table(first: str, column, neurons: list[str], rows: int = 50) -> pd.DataFrame:
    frame = pd.DataFrame(RNG.normal(0, 0.3, (rows, len(neurons))), columns=neurons)
    frame.insert(0, first, column)
    return frame


@pytest.mark.parametrize("first,labels,neurons,dt_s", [
    ("Label", [f"stack.tif:{i + 1:04d}" for i in range(50)], ["3", "7", "12", "15"], None),
    ("name", [f"img_{i:04d}.tif" for i in range(50)], ["0", "1", "2", "3"], 0.1)])
def test_a_label_per_frame_beside_numbered_neurons_is_not_neurons_as_rows(tmp_path, first,
                                                                          labels, neurons, dt_s):
    """A (time × neuron) table of neurons named by numbers with a text label per frame (an
    image name) was read as 4 frames × 50 neurons; refused as before, the label named."""
    src = tmp_path / "labels.csv"
    _wide_table(first, labels, neurons).to_csv(src, index=False)
    with pytest.raises(FormatError, match=rf"column 1 \('{first}'\) holds '{labels[0]}'") as err:
        nd.load_matrix(src, dt_s=dt_s)
    assert "stimulus or behaviour labels" in err.value.hint
    assert "df.T" in err.value.hint  # the other reading, named second


@pytest.mark.parametrize("id_name,at", [("id", 0), ("label", 1), ("channel", 1)])
def test_a_constant_id_column_beside_several_neurons_is_a_wide_table(tmp_path, id_name, at):
    src = tmp_path / "const_id.csv"
    frame = _wide_table("time", 0.1 * np.arange(50), ["n1", "n2", "n3", "n4"])
    frame.insert(at + 1, id_name, 7)
    frame.to_csv(src, index=False)
    ds = nd.load_matrix(src)  # read as before the long tables: the id column a neuron
    assert ds.sizes == {"time": 50, "neuron": 5}
    assert id_name in ds.neuron.values.tolist()
    assert "long table" not in _notes(ds)


@pytest.mark.parametrize("label", ["label", "roi"])
def test_rounded_times_beside_a_per_frame_label_or_one_roi_follow_the_given_dt(tmp_path, label):
    """time rounded to 0.1 s at 30 Hz beside an integer label per frame (and 4 neurons), or a
    constant 'roi' beside one 'dff': the rounded-time refusal, and --dt-s replaces them."""
    src = tmp_path / "rounded.csv"
    time = np.round(np.arange(50) * 0.033, 1)
    if label == "label":
        frame = _wide_table("time", time, ["n1", "n2", "n3", "n4"])
        frame.insert(1, "label", RNG.integers(0, 3, 50))
    else:
        frame = pd.DataFrame({"time": time, "roi": 5, "dff": RNG.normal(0, 0.3, 50)})
    frame.to_csv(src, index=False)
    with pytest.raises(FormatError, match="they look rounded") as err:
        nd.load_matrix(src)
    assert "--dt-s" in err.value.hint
    ds = nd.load_matrix(src, dt_s=0.033)
    assert ds.sizes["time"] == 50 and label in ds.neuron.values.tolist()
    assert "replaced by the given --dt-s" in _notes(ds)


def test_copied_rows_of_a_long_table_are_still_refused(tmp_path):
    src = tmp_path / "copies.csv"
    frame = pd.DataFrame({"time": np.repeat(TIMES, N), "cell_id": np.tile(np.arange(N), T),
                          "dff": X.ravel()})
    pd.concat([frame, frame.iloc[:2]]).to_csv(src, index=False)
    with pytest.raises(FormatError, match=r"4 rows repeat a \(frame, neuron\) pair"):
        nd.load_matrix(src, dt_s=0.5)


def test_long_table_with_per_neuron_time_offsets(tmp_path):
    """A scanning microscope's per-ROI offsets: time = frame / 30 + roi * 0.004, so no time
    repeats. Without a frame column it was read as a wide table ('cell_id', 'dff' as neurons):
    now refused with the way out; with one, the frames are pivoted, their time the mean."""
    frames, rois = np.repeat(np.arange(40), N), np.tile(np.arange(N), 40)
    y = RNG.normal(0, 0.3, 40 * N)
    long = pd.DataFrame({"time": frames / 30 + rois * 0.004, "cell_id": rois, "dff": y})
    long.to_csv(tmp_path / "offsets.csv", index=False)
    for order in (long, long.sort_values(["cell_id", "time"])):  # by frame, by neuron
        order.to_csv(tmp_path / "offsets.csv", index=False)
        with pytest.raises(FormatError, match="no time in 'time' repeats") as err:
            nd.load_matrix(tmp_path / "offsets.csv", dt_s=1 / 30)
        assert "add a column 'frame'" in err.value.hint and "cumcount" in err.value.hint
    long.insert(0, "frame", frames)
    long.to_csv(tmp_path / "offsets_frame.csv", index=False)
    ds = nd.load_matrix(tmp_path / "offsets_frame.csv")
    assert ds.sizes == {"time": 40, "neuron": N}
    np.testing.assert_allclose(ds.time.values, np.arange(40) / 30, atol=1e-9)
    np.testing.assert_allclose(ds.traces.values, y.reshape(40, N), rtol=1e-6)
    assert "the frames from column 'frame'" in _notes(ds)
    assert "differ between the neurons of one frame (by up to 0.016" in _notes(ds)
