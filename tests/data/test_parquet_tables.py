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


def test_a_saved_integer_index_is_a_row_index_not_time(tmp_path):
    """df[mask].to_parquet() keeps the surviving rows' numbers as an unnamed index: they were
    read as timestamps in seconds (with gaps). Dropped now; an index named as a time stays."""
    frame = pd.DataFrame(X, columns=NAMES)
    frame[frame.AVAL > -0.2].to_parquet(tmp_path / "filtered.parquet")
    kept = int((frame.AVAL > -0.2).sum())
    with pytest.raises(FormatError, match="holds no timestamps or frame interval"):
        nd.load_matrix(tmp_path / "filtered.parquet")
    ds = nd.load_matrix(tmp_path / "filtered.parquet", dt_s=0.5)
    assert ds.sizes == {"time": kept, "neuron": 3}
    first = ", ".join(map(str, np.flatnonzero(frame.AVAL > -0.2)[:3]))
    assert (f"the pandas index saved with the table (unnamed: {first}, ...) holds whole numbers: "
            "read as a row index") in ds.attrs["import_notes"][0]
    frame.index = pd.Index(np.arange(T) * 2, name="frame")
    frame.to_parquet(tmp_path / "frames.parquet")
    assert nd.load_matrix(tmp_path / "frames.parquet", dt_s=0.5).neuron.values.tolist() == NAMES
    frame.index = pd.Index(np.arange(T) * 500, name="time (ms)")
    frame.to_parquet(tmp_path / "ms.parquet")
    np.testing.assert_allclose(nd.load_matrix(tmp_path / "ms.parquet").time.values,
                               0.5 * np.arange(T))


def test_a_wide_table_of_numbers_is_read_straight_into_float32(tmp_path):
    """Read column by column from Arrow into one float32 array: no DataFrame of the whole table,
    no copy to take the time column out. Integers, true/false, missing values and durations
    are read as before; values beyond float32 refused."""
    from neurocast.data._arrow_tables import read_arrow_table

    frame = _wide()
    frame["count"] = np.arange(T)
    frame["flag"] = pd.array([True, None] * (T // 2), dtype="boolean")
    frame.to_parquet(tmp_path / "wide.parquet", index=False)
    values, names, time_s, key, *_ = read_arrow_table(tmp_path / "wide.parquet", "x")
    assert values.dtype == np.float32 and values.flags.c_contiguous
    assert names.tolist() == [*NAMES, "count", "flag"] and key == "time"
    np.testing.assert_allclose(time_s, TIMES)
    np.testing.assert_allclose(values[:, :3], X)
    np.testing.assert_array_equal(values[:, 3], np.arange(T))
    np.testing.assert_array_equal(values[:4, 4], [1, np.nan, 1, np.nan])
    frame = frame.drop(columns="time")
    frame.insert(0, "time", pd.to_timedelta(TIMES, unit="s"))
    frame.to_feather(tmp_path / "durations.feather")
    ds = nd.load_matrix(tmp_path / "durations.feather", allow_nan=True)
    np.testing.assert_allclose(ds.time.values, TIMES - TIMES[0], atol=1e-6)
    assert "column 'time' holds durations: read as seconds" in ds.attrs["import_notes"]
    huge = _wide().astype("f8")
    huge.loc[3, "AVAR"] = 1e40
    huge.to_parquet(tmp_path / "huge.parquet", index=False)
    with pytest.raises(FormatError, match="values reach 1e\\+40, beyond the range of float32"):
        nd.load_matrix(tmp_path / "huge.parquet")
    rounded = _wide()
    rounded["time"] = np.round(np.arange(T) * 0.033, 1)
    rounded.to_parquet(tmp_path / "rounded.parquet", index=False)
    with pytest.raises(FormatError, match="they look rounded"):
        nd.load_matrix(tmp_path / "rounded.parquet")
    assert nd.load_matrix(tmp_path / "rounded.parquet", dt_s=0.033).sizes["time"] == T


def test_a_long_table_indexed_by_neuron_id_keeps_its_ids(tmp_path):
    """df.set_index('neuron_id').to_parquet(): the index holds the neurons, not row numbers."""
    times = np.repeat(np.arange(40) * 0.5, 3)
    long = pd.DataFrame({"neuron_id": np.tile([7, 8, 9], 40), "time": times,
                         "dff": np.arange(120, dtype=float) / 100})
    long.set_index("neuron_id").to_parquet(tmp_path / "long.parquet")
    ds = nd.load_matrix(tmp_path / "long.parquet")
    assert ds.neuron.values.tolist() == ["7", "8", "9"] and ds.sizes["time"] == 40
    np.testing.assert_allclose(ds.traces.values[:, 1], np.arange(1, 120, 3) / 100, rtol=1e-6)
