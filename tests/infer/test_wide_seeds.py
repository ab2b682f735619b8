"""Seeds beyond int32 in the infer scorecard (netCDF3 has no 64-bit integer attributes)."""

from __future__ import annotations

import pytest
import xarray as xr

from neurocast.infer import run_inference


@pytest.mark.parametrize("seed", [2**31, 2**64 + 5])
def test_seed_beyond_int32_is_written_and_read_back(simulate_hawkes, ring, tmp_path, seed):
    calcium, _ = simulate_hawkes(ring, n_frames=2000)
    res = run_inference(calcium, truth=ring, dt_s=0.1, methods=["pearson"], observed=0.5,
                        seed=seed, out_dir=tmp_path)
    assert res.scorecard.attrs["seed"] == seed
    with xr.open_dataset(tmp_path / "infer_scorecard.nc", engine="scipy") as back:
        assert int(back.attrs["seed"]) == seed
