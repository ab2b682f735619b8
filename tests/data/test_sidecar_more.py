"""A JSON sidecar against the file's own metadata: a file's unusable frame rate beside a
sidecar's good one, the sidecar given in place of its data file, a same-name JSON that is not a
sidecar, and a gzip-compressed table read in one pass."""

from __future__ import annotations

import gzip
import json

import h5py
import numpy as np
import pytest
from scipy.io import savemat

import neurocast.data as nd
from neurocast.cli import main
from neurocast.errors import FormatError

X = np.random.default_rng(7).normal(0, 0.2, (60, 3))


def _csv(path, x=X, header="a,b,c"):
    np.savetxt(path, x, delimiter=",", header=header, comments="")
    return path


def _json(path, doc):
    path.write_text(json.dumps(doc))
    return path


def _npz(path, **scalars):
    np.savez(path, traces=X, **scalars)


def _h5(path, **scalars):
    with h5py.File(path, "w") as f:
        f["traces"] = X
        f.attrs.update(scalars)


def _mat(path, **scalars):
    savemat(path, {"traces": X, **scalars})


# ---------------------------------------------------------------------- 1. unusable own rate

@pytest.mark.parametrize(("write", "name", "scalars", "said"), [
    (_npz, "rec.npz", {"fps": 0.0}, "its own frame rate 'fps' is 0"),
    (_h5, "rec.h5", {"fps": -5.0}, "its own frame rate 'fps' is -5"),
    (_mat, "rec.mat", {"fps": 0.0}, "its own frame rate 'fps' is 0"),
    (_npz, "rec.npz", {"dt": np.nan}, "its own frame interval 'dt' is nan"),
])
def test_a_files_unusable_rate_gives_way_to_a_good_sidecar_with_a_note(tmp_path, write, name,
                                                                      scalars, said):
    write(tmp_path / name, **scalars)
    _json(tmp_path / "rec.json", {"SamplingFrequency": 10.0})
    ds = nd.load_matrix(tmp_path / name)
    assert ds.attrs["dt_s"] == pytest.approx(0.1)
    note = next(n for n in ds.attrs["import_notes"] if "sidecar" in n)
    assert said in note and "not a positive number" in note
    assert "'SamplingFrequency' = 10 Hz read from its sidecar" in note


def test_an_unusable_rate_is_refused_when_nothing_valid_exists(tmp_path):
    _npz(tmp_path / "rec.npz", fps=0.0)
    with pytest.raises(FormatError, match="its frame rate 'fps' is 0, not a positive number"):
        nd.load_matrix(tmp_path / "rec.npz")
    _json(tmp_path / "rec.json", {"StartTime": 2.0})  # a sidecar without a rate
    with pytest.raises(FormatError, match="its frame rate 'fps' is 0, not a positive number"):
        nd.load_matrix(tmp_path / "rec.npz")
    _json(tmp_path / "rec.json", {"fps": -1})  # both unusable: both named
    with pytest.raises(FormatError, match=r"\(its sidecar .*\): its frame rate 'fps' is -1, not "
                       r"a positive number; the file's own frame rate 'fps' is 0, not one either"):
        nd.load_matrix(tmp_path / "rec.npz")
    out = tmp_path / "out.zarr"
    assert main(["data", "import", str(tmp_path / "rec.npz"), str(out)]) == 2
    assert not out.exists()


def test_a_good_own_rate_still_must_agree_with_the_sidecar(tmp_path):
    _npz(tmp_path / "rec.npz", fps=2.0)
    _json(tmp_path / "rec.json", {"fps": 10})
    with pytest.raises(FormatError, match="disagrees"):
        nd.load_matrix(tmp_path / "rec.npz")


# ---------------------------------------------------------------------- 2. the sidecar imported

@pytest.mark.parametrize("data_name", ["rec.csv", "rec.tsv.gz", "rec.npy"])
def test_importing_the_sidecar_points_to_its_data_file(tmp_path, capsys, data_name):
    data = tmp_path / data_name
    if data_name.endswith(".npy"):
        np.save(data, X)
    elif data_name.endswith(".gz"):
        with gzip.open(data, "wt") as fh:
            np.savetxt(fh, X, delimiter="\t")
    else:
        _csv(data)
    side = _json(tmp_path / "rec.json", {"SamplingFrequency": 10, "StartTime": 0,
                                         "Columns": ["a", "b", "c"]})
    out = tmp_path / "out.zarr"
    assert main(["data", "import", str(side), str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("error:") == 1
    assert f"'{side}' is the sidecar of '{data}'" in err and f"import '{data}'" in err
    assert not out.exists()


def test_a_json_recording_beside_a_table_is_still_imported(tmp_path):
    _csv(tmp_path / "rec.csv")
    x = np.random.default_rng(2).normal(0, 0.2, (3, 400))  # 1,200 values: data, not metadata
    doc = {"trace_array": x.tolist(), "timestamps": (np.arange(400) * 0.5).tolist(), "fps": 2}
    ds = nd.load_matrix(_json(tmp_path / "rec.json", doc))
    assert ds.traces.shape == (400, 3)


# ---------------------------------------------------------------------- 3. a JSON that is no sidecar

def _wormwideweb(path, n_time=1200):
    """A WormWideWeb-style export: traces (neuron × time) and its own time step, in minutes."""
    rng = np.random.default_rng(3)
    return _json(path, {"trace_array": rng.normal(0, 0.2, (3, n_time)).tolist(),
                        "avg_timestep": 0.02, "labeled": {"1": {"label": "AVAL"}}})


@pytest.mark.parametrize(("doc", "why"), [
    (None, "it holds data arrays: 'trace_array'"),
    ([1, 2, 3], "it holds a list, not an object of metadata"),
])
def test_a_same_name_json_that_is_not_a_sidecar_is_passed_over_with_a_note(tmp_path, doc, why):
    data = _csv(tmp_path / "rec.csv")
    side = tmp_path / "rec.json"
    _wormwideweb(side) if doc is None else _json(side, doc)
    ds = nd.load_matrix(data, dt_s=0.5)
    assert ds.attrs["dt_s"] == 0.5
    notes = ds.attrs["import_notes"]
    assert f"'{side}' beside '{data}' is not a sidecar ({why}" in " ".join(notes)
    assert not any("--dt-s 0.5 is used" in n for n in notes)  # its avg_timestep is not read
    with pytest.raises(FormatError, match="holds no timestamps or frame interval") as err:
        nd.load_matrix(data)
    assert "rec.json" not in err.value.hint  # the name is taken: no sidecar suggested there
    assert f"'rec.json' beside it was not read as a sidecar: {why}" in err.value.message


def test_bids_sidecars_with_lists_of_names_stay_sidecars(tmp_path):
    names = [f"roi{i}" for i in range(300)]
    x = np.random.default_rng(0).normal(0, 0.2, (20, 300))
    np.savetxt(tmp_path / "p.tsv", x, delimiter="\t")
    _json(tmp_path / "p.json", {"SamplingFrequency": 4.0, "StartTime": 1.5, "Columns": names,
                                "SliceTiming": list(np.linspace(0, 0.2, 60))})
    ds = nd.load_matrix(tmp_path / "p.tsv")
    assert ds.attrs["dt_s"] == pytest.approx(0.25) and ds.attrs["start_time_s"] == 1.5
    assert list(ds.neuron.values[:2]) == ["roi0", "roi1"]


# ---------------------------------------------------------------------- 4. one pass through a .gz

def test_a_gz_table_is_decompressed_once(tmp_path, monkeypatch):
    x = np.random.default_rng(1).normal(0, 0.2, (4000, 20))
    data = tmp_path / "rec.tsv.gz"
    with gzip.open(data, "wt") as fh:
        np.savetxt(fh, x, delimiter="\t", fmt="%.6f")
    with gzip.open(data, "rb") as fh:
        size = len(fh.read())
    decompressed = [0]
    for name in ("read", "read1"):
        original = getattr(gzip.GzipFile, name)

        def counted(self, *args, _original=original):
            out = _original(self, *args)
            decompressed[0] += len(out)
            return out
        monkeypatch.setattr(gzip.GzipFile, name, counted)
    ds = nd.load_matrix(data, dt_s=0.1)
    assert ds.traces.shape == (4000, 20)
    assert decompressed[0] < 1.5 * size  # the whole text once (and its first lines)


def test_a_cut_off_last_row_of_a_gz_table_is_still_refused(tmp_path):
    data = tmp_path / "rec.csv.gz"
    with gzip.open(data, "wt") as fh:
        fh.write("a,b,c\n" + "1,2,3\n" * 100 + "4,5\n\n")
    with pytest.raises(FormatError, match="its last row holds 2 of the 3 cells"):
        nd.load_matrix(data, dt_s=0.1)


def test_a_cut_off_gz_stream_is_one_error(tmp_path):
    x = np.random.default_rng(2).normal(0, 0.2, (3000, 5))
    data = tmp_path / "rec.csv.gz"
    with gzip.open(data, "wt") as fh:
        np.savetxt(fh, x, delimiter=",", header="a,b,c,d,e", comments="")
    data.write_bytes(data.read_bytes()[:data.stat().st_size // 2])  # an interrupted download
    with pytest.raises(FormatError, match="Compressed file ended") as err:
        nd.load_matrix(data, dt_s=0.1)
    assert "may be cut off" in err.value.hint
