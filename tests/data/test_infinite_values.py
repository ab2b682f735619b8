"""±inf in real traces (ΔF/F divided by a zero baseline): refused like NaN without
--allow-nan, stored as missing values (NaN) with it, and counted as ±inf, not NaN."""

from __future__ import annotations

import json

import numpy as np
import pytest

import neurocast.data as nd
from neurocast.cli import main
from neurocast.errors import NonFiniteError


def _dff_with_infinities(n_time=300, n_neuron=5, seed=0):
    """(time, neuron) ΔF/F: neuron 1 has two +inf and neuron 2 one -inf (frames whose baseline
    was 0), neuron 3 a baseline of 0 throughout (+inf in every frame), neuron 4 one NaN."""
    x = np.random.default_rng(seed).normal(0, 0.2, (n_time, n_neuron))
    x[[40, 90], 1] = np.inf
    x[150, 2] = -np.inf
    x[:, 3] = np.inf
    x[200, 4] = np.nan
    return x


def _csv(path, x):
    np.savetxt(path, x, delimiter=",", header=",".join(f"n{j}" for j in range(x.shape[1])),
               comments="")
    return path


def test_import_refuses_inf_without_allow_nan_counting_it(tmp_path):
    with pytest.raises(NonFiniteError, match=r"hold 304 NaN/inf value\(s\) \(303 of them ±inf, "
                       r"as ΔF/F divided by a zero baseline gives\)") as err:
        nd.load_matrix(_csv(tmp_path / "r.csv", _dff_with_infinities()), dt_s=0.5)
    assert "--allow-nan" in err.value.hint


def test_allow_nan_stores_inf_as_missing_values_with_a_note_per_neuron(tmp_path):
    x = _dff_with_infinities()
    ds = nd.load_matrix(_csv(tmp_path / "r.csv", x), dt_s=0.5, allow_nan=True)
    traces = ds.traces.values
    assert not np.isinf(traces).any()
    assert np.isnan(traces[[40, 90], 1]).all() and np.isnan(traces[150, 2])
    assert np.isnan(traces[:, 3]).all()  # a dead channel, like an all-NaN one
    finite = np.isfinite(x)
    np.testing.assert_array_equal(traces[finite], x[finite].astype(np.float32))
    note = next(n for n in ds.attrs["import_notes"] if "±inf" in n)
    assert ("303 value(s) are ±inf (302 +inf, 1 -inf; ΔF/F divided by a zero baseline?) in 3 "
            "neuron(s): n3 300 (every frame), n1 2, n2 1; stored as missing values (NaN)") in note
    scan = nd.scan_traces(traces)
    assert scan.empty.tolist() == [False, False, False, True, False]
    assert (scan.n_gaps, scan.n_inf) == (4, 0)


def test_a_json_recording_with_infinity_is_read_the_same_way(tmp_path):
    (tmp_path / "r.json").write_text('{"traces": [[0.1, Infinity], [0.2, 0.3], [-Infinity, 0.1]],'
                                     ' "fps": 2}')
    ds = nd.load_matrix(tmp_path / "r.json", allow_nan=True)
    assert np.isnan(ds.traces.values[[0, 2], [1, 0]]).all()
    assert any("2 value(s) are ±inf (1 +inf, 1 -inf" in n for n in ds.attrs["import_notes"])


def test_a_store_holding_inf_counts_it_apart_from_nan(tmp_path):
    """A store written in Python with ±inf kept (not through the import) says how many of its
    missing values are ±inf: in data info's counts and its NaN line."""
    x = _dff_with_infinities()
    path = nd.save_dataset(nd.make_dataset(x, dt_s=0.5, allow_nan=True), tmp_path / "inf.zarr",
                           allow_nan=True)
    info = nd.dataset_info(path)
    assert (info["n_nan_values"], info["n_inf_values"]) == (304, 303)
    assert info["empty_neurons"] == ["3"] and info["n_gap_values"] == 4
    clean = nd.save_dataset(nd.make_dataset(x[:, :1], dt_s=0.5), tmp_path / "clean.zarr")
    assert nd.dataset_info(clean)["n_inf_values"] == 0


def test_data_info_and_stats_say_inf_where_it_is_inf(tmp_path, capsys):
    x = _dff_with_infinities(n_time=400, n_neuron=8)
    path = nd.save_dataset(nd.make_dataset(x, dt_s=0.5, allow_nan=True), tmp_path / "inf.zarr",
                           allow_nan=True)
    assert main(["data", "info", str(path)]) == 0
    nan_line = next(ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("NaN"))
    assert nan_line.endswith("; 403 of these values are ±inf, not NaN")
    assert main(["data", "info", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["n_inf_values"] == 403
    assert main(["data", "stats", str(path), "--json"]) == 0
    assert ("note: the traces hold 4 NaN/inf value(s) in 4 frame(s) and 1 dead channel(s) with no "
            "value at all (3); 403 of these values are ±inf, not NaN; every statistic leaves "
            "them out") in capsys.readouterr().err


def test_an_imported_recording_with_inf_has_only_nan_left(tmp_path, capsys):
    source = _csv(tmp_path / "r.csv", _dff_with_infinities(n_time=400, n_neuron=8))
    out = tmp_path / "r.zarr"
    assert main(["data", "import", str(source), str(out), "--dt-s", "0.5"]) == 2
    assert "(403 of them ±inf" in capsys.readouterr().err and not out.exists()
    assert main(["data", "import", str(source), str(out), "--dt-s", "0.5", "--allow-nan"]) == 0
    assert "403 value(s) are ±inf" in capsys.readouterr().err
    info = nd.dataset_info(out)
    assert (info["n_nan_values"], info["n_inf_values"]) == (404, 0)
    assert info["empty_neurons"] == ["n3"]
