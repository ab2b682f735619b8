"""JSON recordings, above all the Flavell lab's WormWideWeb files (Dag, Nwabudike, Kang et al.,
Cell 2023; Atanas et al. 2023; wormwideweb.org): one object per worm with ``trace_array`` (neurons
× time, z-scored) and ``trace_original`` (the ratiometric values), ``timestamp_confocal`` (s) or
only ``avg_timestep`` (minutes per volume), behaviour vectors one value per frame, model outputs
one value per neuron, and ``labeled``: the identified neurons keyed by their 1-based row number.

Each test writes a small file in that layout with ``json.dump`` and checks what ``load_matrix``
and ``neurocast data import`` make of it.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

import neurocast.data as nd
from neurocast.cli import main
from neurocast.data._container_files import Unread
from neurocast.data._json_files import read_json
from neurocast.errors import FormatError, NonFiniteError

N_NEURON, N_TIME = 12, 40
RNG = np.random.default_rng(3)
ORIGINAL = 1.0 + RNG.uniform(0.0, 0.5, (N_NEURON, N_TIME))  # GCaMP / reference, neuron × time
Z = (ORIGINAL - ORIGINAL.mean(1, keepdims=True)) / ORIGINAL.std(1, keepdims=True)
STAMPS = 100.0 + np.cumsum(RNG.uniform(0.5, 0.7, N_TIME))  # uneven volumes, seconds
#: 1-based rows, as the lab writes them: read 0-based, AVAL would land on the second neuron and
#: key "12" would point past the last one.
LABELED = {"1": ("AVAL", "AVA", "L"), "3": ("AVA?", "AVA", ""), "7": ("RIML", "RIM", "L"),
           "12": ("AVAL", "AVA", "L")}


def _labeled(rows: dict) -> dict:
    return {k: {"label": label, "neuron_class": cls, "roi_id": int(k), "confidence": 4,
                "region": "head", "LR": side, "DV": ""} for k, (label, cls, side) in rows.items()}


def _worm(**changes) -> dict:
    """A WormWideWeb recording as the lab's JSON holds it; ``changes`` replace (None: remove)
    entries."""
    doc = {
        "uid": "2023-01-23-15", "dataset_type": ["baseline", "neuropal"],
        "num_neurons": N_NEURON, "max_t": N_TIME, "avg_timestep": 0.01,
        "trace_array": Z.tolist(), "trace_original": ORIGINAL.tolist(),
        "timestamp_confocal": STAMPS.tolist(),
        "velocity": RNG.normal(0, 0.02, N_TIME).tolist(),
        "head_curvature": RNG.normal(0, 0.3, N_TIME).tolist(),
        "pumping": RNG.uniform(0, 3, N_TIME).tolist(),
        "angular_velocity": RNG.normal(0, 0.1, N_TIME).tolist(),
        "body_curvature": np.linspace(0.1, 2.0, N_TIME).tolist(),  # rises, as times do
        "reversal_events": [[5, 9], [22, 27]], "ranges": [[1, 20], [21, 40]],
        "events": {"heat": [18]},
        "rel_enc_str_v": RNG.uniform(0, 1, N_NEURON).tolist(),
        "forwardness": RNG.normal(0, 1, N_NEURON).tolist(),
        "dorsalness": RNG.normal(0, 1, N_NEURON).tolist(),
        "feedingness": RNG.normal(0, 1, N_NEURON).tolist(),
        "tau_vals": np.arange(1.0, N_NEURON + 1).tolist(),  # whole numbers, one per neuron
        "encoding_changing_neurons": [2, 7],
        "neuron_categorization": {"1": {"v": {"fwd": [1, 7], "rev": [3]}, "θh": {"dorsal": []}},
                                  "2": {"v": {"fwd": [7], "rev": [3, 12]}, "θh": {"dorsal": [5]}}},
        "labeled": _labeled(LABELED),
    }
    for k, v in changes.items():
        if v is None:
            doc.pop(k)
        else:
            doc[k] = v
    return doc


def _write(path, doc):
    with open(path, "w") as fh:
        json.dump(doc, fh)
    return path


def test_a_wormwideweb_file_imports_with_names_and_timing(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing doubtful: orientation, units and names are known
        ds = nd.load_matrix(_write(tmp_path / "worm.json", _worm()))
    assert ds.sizes == {"time": N_TIME, "neuron": N_NEURON}
    np.testing.assert_allclose(ds["traces"].values, Z.T, atol=1e-6)  # neuron × time, transposed
    names = ds["neuron"].values.tolist()
    assert names[0] == "AVAL" and names[2] == "AVA?" and names[6] == "RIML"
    assert names[11] == "AVAL#2" and names[1] == "unnamed-1"
    labels = ds["label"].values.tolist()
    assert labels[:3] == ["AVAL", "", "AVA?"] and labels[11] == "AVAL"
    # the frame times are the confocal timestamps, not avg_timestep nor a rising behaviour
    np.testing.assert_allclose(ds["time"].values, STAMPS - STAMPS[0])
    assert ds.attrs["dt_s"] == pytest.approx(np.median(np.diff(STAMPS)))
    notes = ds.attrs["import_notes"]
    assert any("'trace_array' is read as the traces" in n and "'trace_original'" in n
               for n in notes)
    assert any("names of 4 of 12 neurons from 'labeled' (keys counted from 1: a key names the "
               "last neuron)" in n for n in notes)
    assert ds.attrs["source"].endswith("#trace_array")


def test_key_reads_the_original_ratiometric_traces(tmp_path):
    ds = nd.load_matrix(_write(tmp_path / "worm.json", _worm()), key="trace_original")
    np.testing.assert_allclose(ds["traces"].values, ORIGINAL.T, atol=1e-6)
    assert ds.attrs["source"].endswith("#trace_original")
    assert ds["neuron"].values[6] == "RIML"


def test_avg_timestep_is_minutes_per_frame_without_timestamps(tmp_path):
    """Older files have only avg_timestep, and with no 'labeled' (not NeuroPAL) only
    num_neurons and max_t tell that the rows are neurons."""
    doc = _worm(timestamp_confocal=None, labeled=None, avg_timestep=0.01)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ds = nd.load_matrix(_write(tmp_path / "old.json", doc))
    np.testing.assert_allclose(ds["traces"].values, Z.T, atol=1e-6)
    assert ds.attrs["dt_s"] == pytest.approx(0.6)
    np.testing.assert_allclose(ds["time"].values, np.arange(N_TIME) * 0.6)
    assert ds["neuron"].values.tolist() == [str(i) for i in range(N_NEURON)]
    assert any("'avg_timestep' is 0.01 min per frame: 0.6 s" in n
               for n in ds.attrs["import_notes"])
    # more neurons than frames: the counts, not the shape, still decide
    wide = RNG.normal(0, 1, (30, 8))
    ds = nd.load_matrix(_write(tmp_path / "short.json", {
        "trace_array": wide.tolist(), "num_neurons": 30, "max_t": 8, "avg_timestep": 0.01}))
    np.testing.assert_allclose(ds["traces"].values, wide.T, atol=1e-6)


@pytest.mark.parametrize("bad", [0, -0.01, None, "0.01 min"])
def test_an_avg_timestep_that_is_not_a_positive_number_is_refused(tmp_path, bad):
    path = _write(tmp_path / "bad.json", _worm(timestamp_confocal=None, avg_timestep=0)
                  | {"avg_timestep": bad})
    with pytest.raises(FormatError, match=r"frame interval 'avg_timestep' is .*not a positive"):
        nd.load_matrix(path)


def test_null_in_the_traces_needs_allow_nan(tmp_path):
    rows = Z.tolist()
    rows[4][9] = None  # neuron 5 (1-based row "5"), frame 9
    path = _write(tmp_path / "gap.json", _worm(trace_array=rows))
    with pytest.raises(NonFiniteError, match="null or NaN in 'trace_array'") as err:
        nd.load_matrix(path)
    assert "gap.json" in err.value.message and "--allow-nan" in err.value.hint
    ds = nd.load_matrix(path, allow_nan=True)
    values = ds["traces"].values
    assert np.isnan(values[9, 4]) and np.isfinite(np.delete(values.ravel(), 9 * N_NEURON + 4)).all()


def test_a_key_zero_counts_the_rows_from_zero(tmp_path):
    doc = _worm(labeled={"0": {"label": "AVAL"}, "11": {"label": "RIML"}, "5": {"label": ""}})
    ds = nd.load_matrix(_write(tmp_path / "zero.json", doc))
    names = ds["neuron"].values.tolist()
    assert names[0] == "AVAL" and names[11] == "RIML" and names[5] == "unnamed-5"
    assert any("names of 2 of 12 neurons from 'labeled' (keys counted from 0: a key '0' is present" in n
               for n in ds.attrs["import_notes"])


def test_plain_text_values_name_rows_too(tmp_path):
    doc = _worm(labeled=None) | {"neuron_labels": {"2": "AVAR", "12": "SMDVL"}}
    ds = nd.load_matrix(_write(tmp_path / "text.json", doc))
    assert ds["neuron"].values[1] == "AVAR" and ds["neuron"].values[11] == "SMDVL"


@pytest.mark.parametrize(("rows", "named"), [({"13": "AVAL"}, "13"), ({"0": "A", "12": "B"}, "12")])
def test_a_key_past_the_last_neuron_is_refused(tmp_path, rows, named):
    path = _write(tmp_path / "past.json", _worm(labeled=rows))
    with pytest.raises(FormatError, match=f"'labeled' names neuron {named} .* 12 neurons") as err:
        nd.load_matrix(path)
    assert "--names" in err.value.hint


def test_invalid_json_is_refused_with_its_line_and_column(tmp_path):
    path = tmp_path / "cut.json"
    path.write_text('{"trace_array": [[0.1, 0.2],\n                [0.3, 0.4]],\n "max_t": 2,\n')
    with pytest.raises(FormatError, match=r"not valid JSON: .* at line 4, column 1") as err:
        nd.load_matrix(path)
    assert "cut off" in err.value.hint


def test_a_top_level_list_is_refused(tmp_path):
    path = _write(tmp_path / "list.json", Z.T.tolist())
    with pytest.raises(FormatError, match="holds a list at its top level, not an object") as err:
        nd.load_matrix(path)
    assert '{"traces"' in err.value.hint


def test_the_reader_flattens_objects_and_converts_lists_once(tmp_path):
    arrays = read_json(_write(tmp_path / "any.json", {
        "rec": {"dff": [[0.1, None], [0.3, 0.4]], "meta": {"fps": 2}},
        "names": ["AVAL", None, "RIML"], "flags": [True, False], "uid": "w1", "count": 3,
        "ragged": [[1, 2], [3]], "mixed": [1, "a"], "objects": [{"a": 1}],
        "labeled": {"1": {"label": "AVAL"}}, "ranges": {"1": [1, 20]}}), "any")
    assert arrays["rec/dff"].dtype == np.float64 and arrays["rec/dff"].shape == (2, 2)
    assert np.isnan(arrays["rec/dff"][0, 1]) and arrays["rec/meta/fps"].shape == ()
    assert arrays["names"].tolist() == ["AVAL", "", "RIML"] and arrays["flags"].dtype == bool
    assert arrays["uid"].shape == () and str(arrays["uid"]) == "w1"
    assert float(arrays["count"]) == 3.0
    assert all(isinstance(arrays[k], Unread) for k in ("ragged", "mixed", "objects"))
    assert arrays["labeled"].rows == {1: "AVAL"}  # kept whole: names by row
    assert arrays["ranges/1"].tolist() == [1.0, 20.0]  # numbers by row are no names


def test_a_general_json_recording(tmp_path):
    """Any JSON object of named arrays is a container like .npz: (time × neuron) traces, names
    with a null for an unidentified neuron, a frame rate in a nested object; lists that are no
    arrays are left aside, and a ragged trace matrix is refused, naming it."""
    x = RNG.normal(0, 0.1, (N_TIME, 3))
    doc = {"traces": x.tolist(), "neuron_names": ["AVAL", None, "AVAR"],
           "acquisition": {"fps": 2.0}, "notes": [1, "x"]}
    ds = nd.load_matrix(_write(tmp_path / "rec.json", doc))
    np.testing.assert_allclose(ds["traces"].values, x, atol=1e-6)
    assert ds["neuron"].values.tolist() == ["AVAL", "unnamed-1", "AVAR"]
    assert ds.attrs["dt_s"] == pytest.approx(0.5)
    with pytest.raises(FormatError, match="'traces' is a ragged list"):
        nd.load_matrix(_write(tmp_path / "ragged.json", {"traces": [[0.1, 0.2], [0.3]]}),
                       key="traces", dt_s=0.5)


def test_cli_imports_a_wormwideweb_file_without_options(tmp_path, capsys):
    path = _write(tmp_path / "worm.json", _worm())
    assert nd.recording_format(path) == "matrix"
    out = tmp_path / "worm.zarr"
    assert main(["data", "import", str(path), str(out)]) == 0
    err = " ".join(capsys.readouterr().err.split())
    assert "keys counted from 1" in err
    ds = nd.open_dataset(out)
    assert ds["neuron"].values[0] == "AVAL" and ds.sizes["time"] == N_TIME
    bad = tmp_path / "bad.json"
    bad.write_text('{"trace_array": [[1, 2], [3, 4]')
    assert main(["data", "import", str(bad), str(tmp_path / "bad.zarr")]) == 2
    err = capsys.readouterr().err
    assert "not valid JSON" in err and "line 1, column" in err


def test_keys_that_could_count_from_0_or_1_are_said_to_be_assumed(tmp_path):
    """No key '0' and none naming the last neuron: WormWideWeb's 1-based rows are assumed, and
    the note says so (read from 0, every name would sit one neuron off)."""
    doc = _worm(labeled=_labeled({"1": ("AVAL", "AVA", "L"), "7": ("RIML", "RIM", "L")}))
    with pytest.warns(UserWarning, match="keys taken as counted from 1"):
        ds = nd.load_matrix(_write(tmp_path / "w.json", doc))
    assert ds["neuron"].values[0] == "AVAL" and ds["neuron"].values[6] == "RIML"


def test_a_square_trace_array_is_read_as_neurons_by_time(tmp_path):
    """As many neurons as frames: the counts and timestamps fit both axes, so the layout of
    WormWideWeb's arrays (one list per neuron) decides."""
    z = RNG.normal(size=(N_NEURON, N_NEURON))
    doc = _worm(trace_array=z.tolist(), trace_original=None, max_t=N_NEURON,
                timestamp_confocal=STAMPS[:N_NEURON].tolist())
    ds = nd.load_matrix(_write(tmp_path / "sq.json", doc))
    np.testing.assert_allclose(ds["traces"].values, z.T, atol=1e-6)
    assert ds["neuron"].values[6] == "RIML"
    assert any("WormWideWeb's (neuron, time) array" in n for n in ds.attrs["import_notes"])


@pytest.mark.parametrize("change", ["avg_timestep", "timestamps_in_minutes"])
def test_timestamps_and_avg_timestep_that_disagree_are_said_to(tmp_path, change):
    doc = (_worm(avg_timestep=0.6) if change == "avg_timestep"
           else _worm(timestamp_confocal=(STAMPS / 60).tolist()))
    with pytest.warns(UserWarning, match="one of them is in another unit than read"):
        ds = nd.load_matrix(_write(tmp_path / "t.json", doc))
    expected = STAMPS if change == "avg_timestep" else STAMPS / 60
    assert ds.attrs["dt_s"] == pytest.approx(np.median(np.diff(expected)))  # the timestamps win
