"""`neurocast data stats` and the realism plots."""

from __future__ import annotations

import json

import numpy as np

import neurocast.data as nd
from neurocast.cli import main
from neurocast.data._realism_plots import realism_plots


def _ar1_store(tmp_path, name, phi, source="celegans-test", n_neurons=30, n_frames=600):
    rng = np.random.default_rng(0)
    x = np.zeros((n_frames, n_neurons))
    for t in range(1, n_frames):
        x[t] = phi * x[t - 1] + rng.standard_normal(n_neurons)
    cond = nd.conditions_from_offsets([0, 300, n_frames], ["rest", "touch"])
    ds = nd.make_dataset(x.astype(np.float32), dt_s=0.6, condition=cond, source=source)
    return nd.save_dataset(ds, tmp_path / name)


def test_stats_json_against_the_worm_table(tmp_path, capsys):
    path = _ar1_store(tmp_path, "slow.zarr", 0.85)
    assert main(["data", "stats", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["reference"].startswith("real celegans")  # chosen from the source name
    assert abs(out["overall"]["lag1_autocorr"] - 0.85) < 0.05
    assert out["comparison"]["lag1_autocorr"]["inside"] is True
    assert out["comparison"]["pr_over_n"]["inside"] is False  # independent neurons: high-dimensional
    assert set(out["conditions"]) == {"rest", "touch"}
    assert out["n_scored"] == 6


def test_an_imported_worm_recording_is_compared_with_worms(tmp_path, capsys):
    """The source of an imported file names no connectome; the one attached says C. elegans."""
    import pandas as pd

    from neurocast.connectome import Connectome

    path = _ar1_store(tmp_path, "own.zarr", 0.85, source="matrix:/data/worm3.csv")
    assert nd.reference_group(nd.open_dataset(path)) == "zebrafish"
    names = nd.open_dataset(path)["neuron"].values.tolist()
    con = Connectome.from_edges(pd.DataFrame({"id": range(len(names)), "name": names}),
                                pre=[0, 1], post=[1, 2], count=[1, 1], name="celegans-own")
    nd.attach_connectome(path, con)
    assert main(["data", "stats", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["reference"].startswith("real celegans")


def test_compare_stats_takes_the_whole_result_and_refuses_other_dicts(tmp_path):
    ds = nd.open_dataset(_ar1_store(tmp_path, "a.zarr", 0.85))
    res = nd.realism_stats(ds)
    ranges = nd.reference_ranges("celegans")
    assert nd.compare_stats(res, ranges) == nd.compare_stats(res["overall"], ranges)
    assert nd.compare_stats(res, ranges)["rows"]["lag1_autocorr"]["inside"] is True
    import pytest

    from neurocast.errors import ConfigError

    with pytest.raises(ConfigError, match="stats holds none of the realism statistics"):
        nd.compare_stats({"lag": 0.8}, ranges)


def test_stats_against_another_dataset_and_plots(tmp_path, capsys):
    a = _ar1_store(tmp_path, "a.zarr", 0.9)
    b = _ar1_store(tmp_path, "b.zarr", 0.2)
    plots = tmp_path / "plots"
    plots.mkdir()
    assert main(["data", "stats", str(b), "--reference", str(a), "--plots", str(plots), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    row = out["comparison"]["lag1_autocorr"]
    assert row["low"] == row["high"] and abs(row["low"] - 0.9) < 0.05
    assert row["inside"] is False
    assert len(out["plots"]) == 4 and all((plots / p.split("/")[-1]).stat().st_size > 1000 for p in out["plots"])


def test_stats_plots_go_only_into_a_new_empty_or_neurocast_folder(tmp_path, capsys):
    path = _ar1_store(tmp_path, "a.zarr", 0.8)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "realism_acf.png").write_text("MY FIGURE")
    for extra in ([], ["--overwrite"]):
        assert main(["data", "stats", str(path), "--plots", str(mine), *extra]) == 2
    assert (mine / "realism_acf.png").read_text() == "MY FIGURE" and len(list(mine.iterdir())) == 1
    new = tmp_path / "new" / "plots"  # created, with the mark of a neurocast output
    assert main(["data", "stats", str(path), "--plots", str(new)]) == 0
    assert sorted(p.name for p in new.iterdir()) == [".neurocast-output", "realism_acf.png", "realism_corr.png",
                                                     "realism_pca.png", "realism_ranges.png"]
    assert main(["data", "stats", str(path), "--plots", str(new)]) == 2
    assert main(["data", "stats", str(path), "--plots", str(new), "--overwrite"]) == 0
    err = capsys.readouterr().err
    assert err.count("already exists") == 2 and "neurocast did not write" in err


def test_stats_text_and_bad_reference(tmp_path, capsys):
    path = _ar1_store(tmp_path, "t.zarr", 0.5, source="fly-synth")
    assert main(["data", "stats", str(path), "--reference", "zebrafish"]) == 0
    text = capsys.readouterr().out
    assert "lag1_autocorr" in text and "inside the reference:" in text
    rows = {line.split()[0]: line for line in text.splitlines()[2:-1]}
    starred = {k for k, line in rows.items() if line.split()[1] == "*"}
    assert starred == set(nd.SCORED_STATISTICS) and "skew" in rows  # the rows the count counts
    assert text.rstrip().endswith("scored statistics (marked *)")
    assert main(["data", "stats", str(path), "--reference", "nowhere.zarr"]) == 2


def test_realism_plots_fragment(tmp_path):
    res = nd.realism_stats(nd.open_dataset(_ar1_store(tmp_path, "p.zarr", 0.8)), progress=False)
    paths, fragment = realism_plots({"seed 0": res}, tmp_path, group="celegans")
    assert [p.name for p in paths] == ["realism_acf.png", "realism_corr.png", "realism_pca.png",
                                       "realism_ranges.png"]
    assert fragment.startswith('<section class="realism">') and fragment.count("<img") == 4
    assert "0.81–0.88" in fragment  # the worm range of lag-1 autocorrelation


def test_a_recording_too_small_for_the_statistics_says_why(tmp_path, capsys):
    path = _ar1_store(tmp_path, "one.zarr", 0.85, n_neurons=1)
    assert main(["data", "stats", str(path), "--json"]) == 0
    out = capsys.readouterr()
    assert json.loads(out.out)["overall"]["lag1_autocorr"] is None  # NaN written as null
    assert "note: the statistics need at least 2 neurons that vary and 50 frames; this recording " \
           "has 1 such neuron and 600 frames, so they are NaN" in out.err
    path = _ar1_store(tmp_path, "two.zarr", 0.85, n_neurons=3)
    assert main(["data", "stats", str(path), "--json"]) == 0
    assert "need at least" not in capsys.readouterr().err
