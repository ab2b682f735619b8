"""run_inference: scorecard files, figures, HTML section, observed subsets, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from neurocast.errors import ConfigError, FormatError, ResourceError
from neurocast.infer import observed_subset, report_section, run_inference


@pytest.fixture(scope="module")
def ring_data(simulate_hawkes, ring):
    calcium, spikes = simulate_hawkes(ring, n_frames=6000)
    return calcium, spikes, ring


def test_files_scorecard_and_html_section(ring_data, tmp_path):
    calcium, _, ring = ring_data
    res = run_inference(calcium, truth=ring, dt_s=0.1, methods=["pearson", "ridge", "ridge-sparse"],
                        out_dir=tmp_path)
    card = res.scorecard
    assert card["method"].values.tolist() == ["pearson", "ridge", "ridge-sparse"]
    assert card["directed"].values.tolist() == [False, True, True]
    assert res.summary["ridge"]["auroc"] == 1.0  # the ring's 8 edges rank first
    assert res.summary["ridge-sparse"]["direction_accuracy"] == 1.0
    assert res.summary["pearson"]["direction_accuracy"] is None
    assert int(card.attrs["n_edges"]) == 8 and int(card.attrs["n_neurons"]) == 8
    back = xr.open_dataset(tmp_path / "infer_scorecard.nc", engine="scipy").load()
    np.testing.assert_array_equal(back["score"].values, card["score"].values)
    csv = pd.read_csv(tmp_path / "infer_scorecard.csv", index_col=0)
    assert list(csv.index) == ["pearson", "ridge", "ridge-sparse"]
    assert csv.loc["ridge", "auroc"] == pytest.approx(1.0)
    for name in ("roc_pr.png", "matrices.png", "report.html"):
        assert (tmp_path / name).stat().st_size > 1000
    assert res.files["report"] == tmp_path / "report.html" and not list(tmp_path.glob(".*partial"))
    frag, images = report_section(card, {"curves": tmp_path / "roc_pr.png"})
    assert frag.startswith('<section id="inference">') and frag.rstrip().endswith("</section>")
    assert "<td>ridge-sparse</td>" in frag and "data:image/png;base64," in frag
    assert "class=best" in frag and images == {"curves": tmp_path / "roc_pr.png"}


def test_observed_subset_is_seeded(ring_data):
    calcium, _, ring = ring_data
    a = observed_subset(1000, 0.3, seed=1)
    assert len(a) == 300 and np.all(np.diff(a) > 0)
    np.testing.assert_array_equal(a, observed_subset(1000, 0.3, seed=1))
    assert not np.array_equal(a, observed_subset(1000, 0.3, seed=2))
    r1 = run_inference(calcium, truth=ring, dt_s=0.1, methods=["pearson"], observed=0.5, seed=3)
    r2 = run_inference(calcium, truth=ring, dt_s=0.1, methods=["pearson"], observed=0.5, seed=3)
    assert r1.summary == r2.summary and int(r1.scorecard.attrs["n_neurons"]) == 4
    with pytest.raises(ConfigError, match=r"observed fraction must lie in \(0, 1\]"):
        observed_subset(10, 0.0)


def test_dataset_input_uses_its_names_and_spikes(ring_data):
    from neurocast.data import make_dataset

    calcium, spikes, ring = ring_data
    perm = np.array([3, 1, 7, 0, 2, 6, 5, 4])  # recorded in another neuron order
    ds = make_dataset(calcium[:, perm], dt_s=0.1, neuron=ring.names[perm].astype(str),
                      spike_counts=spikes[:, perm].astype(np.uint16))
    res = run_inference(ds, truth=ring, methods=["ridge", "xcorr"])
    assert res.summary["ridge"]["auroc"] == 1.0 and res.summary["xcorr"]["auroc"] == 1.0


def test_errors(ring_data, monkeypatch):
    calcium, _, ring = ring_data
    with pytest.raises(FormatError, match="no true connectome"):
        run_inference(calcium, dt_s=0.1, methods=["pearson"])
    with pytest.raises(FormatError, match="the truth has 8 neurons"):
        run_inference(calcium[:, :5], truth=ring, dt_s=0.1, methods=["pearson"])
    from neurocast.infer import _linalg

    monkeypatch.setattr(_linalg, "available_memory_bytes", lambda: 100)
    with pytest.raises(ResourceError, match="needs dense"):
        run_inference(calcium, truth=ring, dt_s=0.1, methods=["partial"])


def test_a_failed_write_leaves_no_partial_output_folder(ring_data, tmp_path, monkeypatch):
    import errno

    import neurocast.infer._run as infer_run
    from neurocast.errors import WriteError

    calcium, _, ring = ring_data

    def full(*a, **k):  # disk full after the scorecard files were written
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(infer_run, "plot_curves", full)
    with pytest.raises(WriteError, match="No space left on device"):
        run_inference(calcium, truth=ring, dt_s=0.1, methods=["pearson"], out_dir=tmp_path / "runs" / "i")
    assert list((tmp_path / "runs").iterdir()) == []


def test_default_methods_say_which_they_leave_out(ring_data):
    """Without spike counts the default methods skip xcorr, and a note says so."""
    calcium, _, ring = ring_data
    res = run_inference(calcium[:1500], truth=ring, dt_s=0.1)
    assert "xcorr" not in res.summary
    assert ("xcorr left out: it needs spike counts, which this recording lacks (a recording of "
            "neurocast's simulator stores them)") in res.notes
    res = run_inference(calcium[:1500], truth=ring, dt_s=0.1, methods=["pearson"])
    assert not any("left out: it needs spike counts" in n for n in res.notes)
