"""run_benchmark refuses NaN/inf stimulus covariates before fitting, whatever --nan says: a store
opened with allow_nan (bench --nan) has its covariates unchecked by the opening."""

from __future__ import annotations

import numpy as np
import pytest
import zarr

import neurocast.data as nd
from neurocast.bench import run_benchmark
from neurocast.cli import main
from neurocast.errors import NonFiniteError
from neurocast.models import Forecaster


class _NoFit(Forecaster):
    name = "nofit"

    def fit(self, train, val):
        raise AssertionError("fitted despite NaN covariates")


def _store(path):
    """300 frames, 4 neurons, a trace gap at frame 50 and covariate 'dots' NaN at frame 7."""
    x = np.random.default_rng(0).normal(size=(300, 4)).astype(np.float32)
    x[50, 1] = np.nan
    ds = nd.make_dataset(x, dt_s=0.5, stimulus=np.ones((300, 2)), covariate=["flash", "dots"],
                         allow_nan=True)
    path = nd.save_dataset(ds, path, allow_nan=True)
    stim = zarr.open_group(str(path), mode="r+")["stimulus"]
    values = stim[...]
    values[7, 1] = np.nan
    stim[...] = values
    return path


@pytest.mark.parametrize("nan", ["skip-windows", "mask-neurons"])
def test_run_benchmark_refuses_nan_covariates_before_fitting(tmp_path, nan):
    path = _store(tmp_path / "s.zarr")
    ds = nd.open_dataset(path, allow_nan=True)
    with pytest.raises(NonFiniteError, match=rf"dataset '{path}': stimulus covariate\(s\) dots "
                                             r"hold 1 NaN/inf value\(s\), first at frame 7") as err:
        run_benchmark(ds, models=[_NoFit(horizon=4)], context=4, horizon=4, nan=nan)
    assert "save_dataset" in err.value.hint


def test_cli_bench_nan_on_nan_covariates_fails_clearly(tmp_path, capsys):
    path = _store(tmp_path / "s.zarr")
    out = tmp_path / "o"
    assert main(["bench", str(path), "--models", "naive", "--context", "4", "--horizon", "4",
                 "--nan", "skip-windows", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "stimulus covariate(s) dots hold 1 NaN/inf value(s)" in err
    assert "ds.sel(covariate=np.isfinite(ds.stimulus).all('time'))" in err
    assert "Traceback" not in err and not out.exists()
