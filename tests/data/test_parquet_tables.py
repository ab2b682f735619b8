"""Parquet and Arrow feather tables read as CSV tables are (docs/datasets.md, "Parquet and
Arrow feather tables")."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import neurocast.data as nd
from neurocast.cli import main
from neurocast.errors import ConfigError, FormatError

RNG = np.random.default_rng(7)
T = 20
NAMES = ["AVAL", "AVAR", "RIML"]
TIMES = np.round(np.cumsum(RNG.uniform(0.45, 0.75, T)), 4)
X = RNG.normal(0, 0.2, (T, 3)).astype("f4")


def _wide() -> pd.DataFrame:
    frame = pd.DataFrame(X, columns=NAMES)
    frame.insert(0, "time", TIMES)
    return frame


@pytest.mark.parametrize("suffix", [".parquet", ".feather", ".arrow"])
def test_wide_table_with_a_time_column(tmp_path, suffix):
    src = tmp_path / f"wide{suffix}"
    frame = _wide()
    frame.to_parquet(src, index=False) if suffix == ".parquet" else frame.to_feather(src)
    ds = nd.load_matrix(src)
    assert ds.sizes == {"time": T, "neuron": 3}
    assert ds.neuron.values.tolist() == NAMES
    np.testing.assert_allclose(ds.time.values, TIMES - TIMES[0], atol=1e-9)
    np.testing.assert_allclose(ds.traces.values, X, rtol=1e-6)
    assert "column 'time' holds the frame timestamps (s)" in ds.attrs["import_notes"][0]


def test_time_index_and_unit_and_stimulus_columns(tmp_path):
    src = tmp_path / "rec.parquet"
    frame = pd.DataFrame(X, columns=NAMES, index=pd.Index(TIMES * 1000, name="time (ms)"))
    frame["Laser (mW)"] = np.arange(T) % 2 * 5.0
    frame.to_parquet(src)  # the index saved with the table
    ds = nd.load_matrix(src, stimulus_columns="laser")
    assert ds.neuron.values.tolist() == NAMES
    np.testing.assert_allclose(ds.time.values, TIMES - TIMES[0], atol=1e-6)
    np.testing.assert_allclose(ds.stimulus.values[:, 0], np.arange(T) % 2 * 5.0)
    assert ds["covariate"].values.tolist() == ["Laser (mW)"]
    with pytest.raises(ConfigError, match="there is no array 'x' to pick"):
        nd.load_matrix(src, key="x")


def test_long_parquet_is_pivoted(tmp_path):
    src = tmp_path / "long.parquet"
    pd.DataFrame({"time": np.repeat(TIMES, 3), "neuron": np.tile(NAMES, T),
                  "dff": X.ravel()}).to_parquet(src, index=False)
    ds = nd.load_matrix(src)
    assert ds.neuron.values.tolist() == NAMES
    np.testing.assert_allclose(ds.traces.values, X, rtol=1e-6)
    assert "long table (one row per frame and neuron, 60 rows)" in ds.attrs["import_notes"][0]


def test_cli_imports_parquet_without_format(tmp_path, capsys):
    src = tmp_path / "wide.parquet"
    _wide().to_parquet(src, index=False)
    out = tmp_path / "o.zarr"
    assert main(["data", "import", str(src), str(out)]) == 0
    ds = nd.open_dataset(out)
    assert ds.neuron.values.tolist() == NAMES and ds.sizes["time"] == T
    assert "Traceback" not in capsys.readouterr().err


def test_unreadable_and_unusable_parquet_are_refused(tmp_path):
    (tmp_path / "cut.parquet").write_bytes(b"PAR1" + bytes(20))
    with pytest.raises(FormatError, match="is not a readable Parquet file"):
        nd.load_matrix(tmp_path / "cut.parquet", dt_s=0.5)
    dates = pd.DataFrame({"when": pd.date_range("2024-01-01", periods=3, freq="s"),
                          "AVAL": [0.1, 0.2, 0.3]})
    dates.to_parquet(tmp_path / "dates.parquet")
    with pytest.raises(FormatError, match="column 'when' holds dates and times"):
        nd.load_matrix(tmp_path / "dates.parquet", dt_s=0.5)
    lists = pd.DataFrame({"cell": ["a", "b"], "dff": [np.zeros(4), np.ones(4)]})
    lists.to_parquet(tmp_path / "lists.parquet")
    with pytest.raises(FormatError, match="column 'dff' holds a list of values in each row"):
        nd.load_matrix(tmp_path / "lists.parquet", dt_s=0.5)
