"""MATLAB files holding several recordings in one variable, as Kato et al. 2015 share their C.
elegans whole-brain imaging (``WT_NoStim.mat``, ``WT_Stim.mat``): a struct whose fields are cell
arrays with one entry per worm (``WT_NoStim.deltaFOverF_bc{k}`` (time × neuron),
``NeuronNames{k}``, ``fps{k}``, ``States{k}``), or in other exports a struct array
(``WT_NoStim(k).deltaFOverF_bc``). The import refuses the file as a whole, saying how many
recordings it holds, and ``--key WT_NoStim/K`` (K counted from 1) reads one of them."""

from __future__ import annotations

import json

import numpy as np
import pytest

import neurocast.data as nd
from neurocast.cli import main
from neurocast.errors import FormatError

from .test_matlab_structs import WRITERS, write_v5

# per worm: frames, MATLAB NeuronNames{k} cells (see test_matlab_structs: [] is an empty cell, a
# list of several names lists candidate identities), frames per second
FRAMES = [60, 48, 72]
NAMES = [["AVAL", "AVAR", [], "RIML"],
         ["AVAL", [], ["AVAR", "AVAL"], "SMDVR", "RIMR"],
         ["ASHL", "AVAL", []]]
FPS = [2.85, 3.0, 2.5]


def _worms() -> list[dict]:
    rng = np.random.default_rng(11)
    return [{"deltaFOverF": rng.normal(0, 0.2, (t, len(names))),
             "deltaFOverF_bc": rng.normal(0, 0.2, (t, len(names))),
             "NeuronNames": names, "fps": fps,
             "States": {"fwd": (rng.random(t) > 0.5).astype(float)}}
            for t, names, fps in zip(FRAMES, NAMES, FPS, strict=True)]


@pytest.fixture(params=sorted(WRITERS))
def wt_nostim(request, tmp_path):
    """WT_NoStim.mat in Kato et al.'s layout (a struct of per-worm cell arrays), written as
    MATLAB v5 or v7.3; returns (its path, the worms' fields)."""
    worms = _worms()
    struct = {field: [w[field] for w in worms] for field in worms[0]}
    path = tmp_path / "WT_NoStim.mat"
    WRITERS[request.param](path, {"WT_NoStim": struct})
    return path, worms


def test_several_worms_are_refused_saying_how_many_and_how_to_choose(wt_nostim):
    path, _ = wt_nostim
    with pytest.raises(FormatError) as err:
        nd.load_matrix(path)
    assert "holds 3 recordings in 'WT_NoStim' (worms or sessions)" in err.value.message
    assert "('deltaFOverF', 'deltaFOverF_bc', " in err.value.message
    assert "--key WT_NoStim/1 ... --key WT_NoStim/3" in err.value.hint
    assert "counted from 1 as in MATLAB" in err.value.hint


def test_key_reads_one_worm_with_its_names_and_frame_rate(wt_nostim):
    path, worms = wt_nostim
    ds = nd.load_matrix(path, key="WT_NoStim/2")
    worm = worms[1]
    np.testing.assert_allclose(ds.traces.values, worm["deltaFOverF_bc"], rtol=1e-6)
    assert ds.label.values.tolist() == ["AVAL", "", "", "SMDVR", "RIMR"]
    assert ds.attrs["dt_s"] == pytest.approx(1 / 3.0)
    assert ds.attrs["source"].endswith("#WT_NoStim/2/deltaFOverF_bc")
    notes = ds.attrs["import_notes"]
    assert any("holds 3 recordings in 'WT_NoStim': recording 2 is read" in n for n in notes)
    assert any("'WT_NoStim/2/deltaFOverF_bc' is read as the traces" in n
               and "'WT_NoStim/2/deltaFOverF'" in n for n in notes)
    assert any("'AVAR or AVAL'" in n for n in notes)


def test_key_names_the_array_of_one_worm(wt_nostim):
    path, worms = wt_nostim
    ds = nd.load_matrix(path, key="WT_NoStim/3/deltaFOverF")
    np.testing.assert_allclose(ds.traces.values, worms[2]["deltaFOverF"], rtol=1e-6)
    assert ds.label.values.tolist() == ["ASHL", "AVAL", ""]
    assert ds.attrs["dt_s"] == pytest.approx(1 / 2.5)


@pytest.mark.parametrize("key", ["WT_NoStim/0", "WT_NoStim/4", "WT_NoStim/first"])
def test_a_worm_the_file_lacks_is_refused(wt_nostim, key):
    path, _ = wt_nostim
    with pytest.raises(FormatError) as err:
        nd.load_matrix(path, key=key)
    assert f"--key {key!r} names no recording of 'WT_NoStim', which holds 3" in err.value.message
    assert "K from 1 to 3" in err.value.hint


def test_key_naming_the_per_worm_array_itself_is_refused(wt_nostim):
    path, _ = wt_nostim
    with pytest.raises(FormatError, match="holds 3 recordings in 'WT_NoStim'"):
        nd.load_matrix(path, key="WT_NoStim/deltaFOverF_bc")


def test_a_struct_array_of_worms(tmp_path):
    """WT_NoStim(k).deltaFOverF_bc, with each worm's frame times (timeVectorSeconds)."""
    worms = _worms()
    rng = np.random.default_rng(5)
    fields = ["deltaFOverF_bc", "NeuronNames", "timeVectorSeconds"]
    structs = np.empty((1, len(worms)), dtype=[(f, object) for f in fields])
    for k, w in enumerate(worms):  # names as a char cell array: '' for an unnamed neuron
        names = np.array([n if isinstance(n, str) else "" for n in NAMES[k]], dtype=object)
        structs[0, k] = (w["deltaFOverF_bc"], names, np.cumsum(rng.uniform(0.3, 0.4, FRAMES[k])))
    write_v5(tmp_path / "WT_Stim.mat", {"WT_Stim": structs})
    with pytest.raises(FormatError, match="holds 3 recordings in 'WT_Stim'"):
        nd.load_matrix(tmp_path / "WT_Stim.mat")
    ds = nd.load_matrix(tmp_path / "WT_Stim.mat", key="WT_Stim/1")
    np.testing.assert_allclose(ds.traces.values, worms[0]["deltaFOverF_bc"], rtol=1e-6)
    assert ds.label.values.tolist() == ["AVAL", "AVAR", "", "RIML"]
    tv = structs[0, 0]["timeVectorSeconds"]
    np.testing.assert_allclose(ds.time.values, tv - tv[0])


def test_a_matrix_beside_cells_of_matrices_is_read_as_before(tmp_path):
    """A struct holding one recording's traces and its trials cut out in a cell array is no
    file of several recordings: its matrix is read, as the other files are."""
    rng = np.random.default_rng(3)
    x = rng.normal(0, 0.2, (60, 4))
    write_v5(tmp_path / "trials.mat", {"rec": {"traces": x, "fps": 2.0,
                                               "trials": [x[:30], x[30:]]}})
    ds = nd.load_matrix(tmp_path / "trials.mat")
    np.testing.assert_allclose(ds.traces.values, x, rtol=1e-6)


def test_cli_refuses_with_exit_2_then_imports_the_chosen_worm(wt_nostim, tmp_path, capsys):
    path, _ = wt_nostim
    out = tmp_path / "worm3.zarr"
    assert main(["data", "import", str(path), str(out)]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert err.count("holds 3 recordings") == 1 and "--key WT_NoStim/1" in err
    assert not out.exists()
    assert main(["data", "import", str(path), str(out), "--key", "WT_NoStim/3", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["n_neurons"] == 3 and doc["source"].endswith("#WT_NoStim/3/deltaFOverF_bc")
    assert nd.open_dataset(out).label.values.tolist() == ["ASHL", "AVAL", ""]
