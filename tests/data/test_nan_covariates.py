"""A store whose stimulus covariates hold NaN (an older store, or edited by hand) still opens
with allow_nan, to be inspected and repaired; without allow_nan it is refused, naming them."""

from __future__ import annotations

import numpy as np
import pytest
import zarr

import neurocast.data as nd
from neurocast.cli import main
from neurocast.errors import NonFiniteError


def nan_covariate_store(path):
    """A 40-frame store whose covariate 'dots' holds NaN at frame 7, written past the checks."""
    ds = nd.make_dataset(np.random.default_rng(0).normal(size=(40, 2)), dt_s=1.0,
                         stimulus=np.ones((40, 3)), covariate=["flash", "dots", "gain"])
    path = nd.save_dataset(ds, path)
    stim = zarr.open_group(str(path), mode="r+")["stimulus"]
    values = stim[...]
    values[7, 1] = np.nan
    stim[...] = values
    return path


def test_validate_checks_covariates_only_without_allow_nan(tmp_path):
    ds = nd.make_dataset(np.zeros((40, 2)), dt_s=1.0, stimulus=np.ones((40, 3)))
    ds["stimulus"][7, 1] = np.nan
    nd.validate_dataset(ds, allow_nan=True)
    with pytest.raises(NonFiniteError, match=r"stimulus covariate\(s\) c1 hold 1 NaN/inf"):
        nd.validate_dataset(ds)


def test_a_store_with_nan_covariates_opens_for_info_and_the_hint_repairs_it(tmp_path, capsys):
    path = nan_covariate_store(tmp_path / "s.zarr")
    with pytest.raises(NonFiniteError, match=r"covariate\(s\) dots hold 1 NaN/inf value\(s\), "
                                             r"first at frame 7") as err:
        nd.open_dataset(path)
    assert "ds.stimulus.where(np.isfinite(ds.stimulus), 0)" in err.value.hint
    assert "ds.sel(covariate=np.isfinite(ds.stimulus).all('time'))" in err.value.hint
    assert "save_dataset(ds, NEW_PATH, allow_nan=True)" in err.value.hint
    assert main(["data", "info", str(path)]) == 0
    assert "covariates   flash, dots, gain" in capsys.readouterr().out
    # the hint's two repairs, as written there
    ds = nd.open_dataset(path, allow_nan=True)
    ds["stimulus"] = ds.stimulus.where(np.isfinite(ds.stimulus), 0)
    filled = nd.open_dataset(nd.save_dataset(ds, tmp_path / "filled.zarr", allow_nan=True))
    assert float(filled["stimulus"][7, 1]) == 0.0
    ds = nd.open_dataset(path, allow_nan=True)
    ds = ds.sel(covariate=np.isfinite(ds.stimulus).all("time"))
    dropped = nd.open_dataset(nd.save_dataset(ds, tmp_path / "dropped.zarr", allow_nan=True))
    assert dropped["covariate"].values.tolist() == ["flash", "gain"]
