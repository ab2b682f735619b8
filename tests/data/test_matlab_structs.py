"""MATLAB files whose neuron names sit in structs and cell arrays, as the Zimmer lab shares C.
elegans whole-brain imaging (Kato et al. 2015, "wbData" files): a struct ``wbData`` with
``deltaFOverF`` (time × neuron), its bleach-corrected ``deltaFOverF_bc``, the time vector ``tv``
(s), ``fps`` and ``NeuronIds``, a 1 × N cell array whose cells are empty (an unidentified neuron),
hold one name, or list candidate names. Written both as MATLAB v5 (scipy.io.savemat) and as
v7.3 (HDF5 in MATLAB's own layout, written with h5py)."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

import neurocast.data as nd
from neurocast.cli import main
from neurocast.connectome import load_connectome

# A MATLAB value in Python: str = char array, a number = double, None = [] (an empty double),
# a list = a 1 × k cell array ([] = the empty cell {}; lists nest).
NEURON_IDS = [None, ["AVAL"], ["AVAR", "AVAL"], ["RIML"], [], ["SMDVR"], [7], [["ASHL"]], ["AVA"],
              ["RIMR", "RIML"]]
LABELS = ["", "AVAL", "", "RIML", "", "SMDVR", "7", "ASHL", "AVA", ""]
NAMES = ["unnamed-0", "AVAL", "unnamed-2", "RIML", "unnamed-4", "SMDVR", "7", "ASHL", "AVA",
         "unnamed-9"]
N_TIME = 60


def _kato_struct(n_neuron: int, *, tv: bool = True, fps: float = 2.85, bc: bool = True) -> dict:
    """The fields of a wbData struct (as MATLAB values, see above) with random traces; tv
    uneven, as the volumes of whole-brain imaging are, and its median spacing not 1/fps."""
    rng = np.random.default_rng(7)
    fields = {"deltaFOverF": rng.normal(0, 0.2, (N_TIME, n_neuron)), "fps": fps,
              "FlNm": "TS20140715e_lite-1_punc-31_NLS3_2eggs_56um_1mMTet_basal_1080s",
              "stimulus": {"type": "O2", "switchtimes": np.array([360.0, 390.0])}}
    if bc:
        fields["deltaFOverF_bc"] = rng.normal(0, 0.2, (N_TIME, n_neuron))
        fields["deltaFOverF_deriv"] = rng.normal(0, 0.2, (N_TIME, n_neuron))
    if tv:
        fields["tv"] = np.cumsum(rng.uniform(0.30, 0.40, N_TIME))
    return fields


def _v5(x):
    """A MATLAB value (see above) as scipy.io.savemat writes it."""
    if x is None:
        return np.zeros((0, 0))
    if isinstance(x, dict):
        return {k: _v5(v) for k, v in x.items()}
    if isinstance(x, list):
        cell = np.empty((1, len(x)) if x else (0, 0), dtype=object)
        for i, v in enumerate(x):
            cell[0, i] = _v5(v)
        return cell
    return x


def write_v5(path, variables: dict) -> None:
    import scipy.io

    scipy.io.savemat(path, {k: _v5(v) for k, v in variables.items()})


def _class(obj, name: str, empty: bool = False) -> None:
    obj.attrs["MATLAB_class"] = np.bytes_(name)
    if empty:
        obj.attrs["MATLAB_empty"] = np.uint8(1)


def _h5(f, where: str, x) -> object:
    """Write a MATLAB value (see above) as MATLAB v7.3 does: the axes reversed (h5py sees the
    transpose), char arrays as uint16 codes, empty arrays as their shape with MATLAB_empty set,
    a cell array as object references to its cells in #refs#, a struct as a group."""
    import h5py

    if isinstance(x, dict):
        group = f.create_group(where)
        _class(group, "struct")
        for k, v in x.items():
            _h5(f, f"{where}/{k}", v)
        return group
    if x is None or (isinstance(x, (list, str)) and not x):
        ds = f.create_dataset(where, data=np.zeros(2, dtype=np.uint64))  # the shape, 0 × 0
        _class(ds, "double" if x is None else "cell" if isinstance(x, list) else "char", empty=True)
    elif isinstance(x, str):  # 1 × k char
        ds = f.create_dataset(where, data=np.array([[ord(c)] for c in x], dtype=np.uint16))
        _class(ds, "char")
        ds.attrs["MATLAB_int_decode"] = np.int32(2)
    elif isinstance(x, list):  # 1 × k cell
        refs = [_h5(f, f"#refs#/r{next(_REFS)}", v).ref for v in x]
        ds = f.create_dataset(where, data=np.array(refs, dtype=h5py.ref_dtype)[:, None])
        _class(ds, "cell")
    else:  # a number, a column vector (T × 1) or a matrix
        a = np.asarray(x, dtype=np.float64)
        ds = f.create_dataset(where, data=a.reshape(1, 1) if a.ndim == 0 else
                              a[None, :] if a.ndim == 1 else a.T)
        _class(ds, "double")
    return ds


_REFS = itertools.count()


def write_v73(path, variables: dict) -> None:
    import h5py

    with h5py.File(path, "w", userblock_size=512) as f:
        for k, v in variables.items():
            _h5(f, k, v)
    with open(path, "r+b") as fh:  # the text header MATLAB writes in the user block
        fh.write(b"MATLAB 7.3 MAT-file, Platform: GLNXA64, HDF5 schema 1.00 .".ljust(128, b" "))


WRITERS = {"v5": write_v5, "v7.3": write_v73}


@pytest.fixture(params=sorted(WRITERS))
def write_mat(request):
    """write_mat(path, variables) in one MATLAB version (v5, v7.3), each test run in both."""
    return WRITERS[request.param]


@pytest.fixture
def kato(write_mat, tmp_path):
    """Factory: kato(ids=NEURON_IDS, **struct_options) writes kato.mat holding a wbData struct
    and returns (its path, the struct's fields)."""
    def make(ids=NEURON_IDS, **options):
        fields = {**_kato_struct(len(ids), **options), "NeuronIds": ids}
        write_mat(tmp_path / "kato.mat", {"wbData": fields})
        return tmp_path / "kato.mat", fields
    return make


def test_kato_file_brings_names_bleach_corrected_traces_and_frame_times(kato):
    path, fields = kato()
    ds = nd.load_matrix(path)
    assert ds.sizes == {"time": N_TIME, "neuron": 10}
    assert ds.neuron.values.tolist() == NAMES
    assert ds.label.values.tolist() == LABELS
    np.testing.assert_allclose(ds.traces.values, fields["deltaFOverF_bc"], rtol=1e-6)
    np.testing.assert_allclose(ds.time.values, fields["tv"] - fields["tv"][0])
    assert ds.attrs["dt_s"] == pytest.approx(np.median(np.diff(fields["tv"])))
    assert ds.attrs["dt_s"] != pytest.approx(1 / fields["fps"])  # tv wins over fps
    assert ds.attrs["source"].endswith("#wbData/deltaFOverF_bc")
    notes = ds.attrs["import_notes"]
    chosen = [n for n in notes if "is read as the traces" in n]
    assert len(chosen) == 1 and "'wbData/deltaFOverF_bc' is read as the traces" in chosen[0]
    assert "bleach-corrected" in chosen[0] and "'wbData/deltaFOverF_deriv'" in chosen[0]
    assert "--key" in chosen[0] and "tv" not in chosen[0]  # v7.3 keeps vectors 2-D: not traces
    ambiguous = [n for n in notes if "several candidate names" in n]
    assert len(ambiguous) == 1
    assert "2 of the 10 neurons in 'wbData/NeuronIds'" in ambiguous[0]
    assert "'AVAR or AVAL'" in ambiguous[0] and "'RIMR or RIML'" in ambiguous[0]


def test_without_tv_the_frame_rate_gives_dt(kato):
    path, fields = kato(tv=False, bc=False, fps=2.5)
    ds = nd.load_matrix(path)
    assert ds.attrs["dt_s"] == pytest.approx(0.4)
    assert "frame_interval_s" not in ds.attrs  # no timestamps: a uniform clock from fps
    assert ds.neuron.values.tolist() == NAMES
    np.testing.assert_allclose(ds.traces.values, fields["deltaFOverF"], rtol=1e-6)


def test_key_chooses_the_uncorrected_traces(kato):
    path, fields = kato()
    ds = nd.load_matrix(path, key="wbData/deltaFOverF")
    np.testing.assert_allclose(ds.traces.values, fields["deltaFOverF"], rtol=1e-6)
    assert not any("is read as the traces" in n for n in ds.attrs["import_notes"])
    assert ds.label.values.tolist() == LABELS


def test_repeated_names_become_name_2(kato):
    path, _ = kato(ids=[["AVAL"], [["AVAL"]], ["AVAR", "AVAL"], ["ASHL", "ASHL"]])
    ds = nd.load_matrix(path)
    assert ds.neuron.values.tolist() == ["AVAL", "AVAL#2", "unnamed-2", "ASHL"]
    # a cell naming the same candidate twice names one neuron
    assert ds.label.values.tolist() == ["AVAL", "AVAL", "", "ASHL"]


def test_numeric_ids_are_names(kato, tmp_path):
    path, _ = kato(ids=[[101], [102.0], [], [104]])
    assert nd.load_matrix(path).label.values.tolist() == ["101", "102", "", "104"]
    x = np.random.default_rng(0).normal(0, 0.1, (N_TIME, 3))
    write_v5(tmp_path / "ids.mat", {"dff": x, "fps": 2.0, "neuronID": np.array([3.0, 4.0, 5.0])})
    assert nd.load_matrix(tmp_path / "ids.mat").neuron.values.tolist() == ["3", "4", "5"]


@pytest.mark.parametrize("key", ["NeuronIds", "neuronID", "ROInames", "NeuronNames", "neuron IDs"])
def test_name_keys_ignore_case_and_underscores(tmp_path, key):
    x = np.random.default_rng(0).normal(0, 0.1, (N_TIME, 3))
    names = ["AVAL", "AVAR", "RIML"]
    np.savez(tmp_path / "rec.npz", traces=x, fps=np.float64(2.0), **{key: np.array(names)})
    assert nd.load_matrix(tmp_path / "rec.npz").neuron.values.tolist() == names


def test_name_keys_keep_their_order(tmp_path):
    """'neuron_names' comes before 'ids' in NAME_KEYS, however either is spelled."""
    x = np.random.default_rng(0).normal(0, 0.1, (N_TIME, 2))
    write_v5(tmp_path / "both.mat", {"dff": x, "fps": 2.0, "IDs": [["x1"], ["x2"]],
                                     "NeuronNames": [["AVAL"], ["AVAR"]]})
    assert nd.load_matrix(tmp_path / "both.mat").neuron.values.tolist() == ["AVAL", "AVAR"]


def test_cli_import_info_and_connectome(kato, tmp_path, capsys):
    path, _ = kato()
    out = tmp_path / "kato.zarr"
    assert main(["data", "import", str(path), str(out), "--connectome", "celegans-cook2019",
                 "--json"]) == 0
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    assert doc["n_neurons"] == 10 and doc["connectome"] == "celegans-cook2019"
    assert doc["source"].endswith("#wbData/deltaFOverF_bc")
    err = " ".join(captured.err.split())
    assert "note:" in err and "'AVAR or AVAL'" in err and "bleach-corrected" in err
    # the named neurons the connectome lacks (a number, a side left open) are said so
    assert "2 of the recording's 10 neurons are named but not in connectome" in err
    assert "'AVA' (AVAL or AVAR?)" in err and "'7'" in err

    assert main(["data", "info", str(out)]) == 0
    text = capsys.readouterr().out
    assert "several candidate names" in text and "is read as the traces" in text
    assert "names        4 unnamed" in text
    assert "seed -\n" in text  # an imported recording has no seed (stored as -1)

    ds = nd.open_dataset(out)
    assert ds.neuron.values.tolist() == NAMES
    wired = load_connectome("celegans-cook2019")
    pos, notes = nd.connectome_positions(ds, wired)
    matched = {str(ds.neuron.values[i]): str(wired.names[p]) for i, p in enumerate(pos) if p >= 0}
    assert matched == {"AVAL": "AVAL", "RIML": "RIML", "SMDVR": "SMDVR", "ASHL": "ASHL"}
    assert len(notes) == 1 and "named but not in connectome" in notes[0]


def test_structs_inside_structs_are_read(write_mat, tmp_path):
    """The Zimmer lab's analysis output nests the traces one struct deeper (wbstruct.simple)."""
    rng = np.random.default_rng(1)
    x, tv = rng.normal(0, 0.2, (N_TIME, 3)), np.arange(N_TIME) / 3.0
    write_mat(tmp_path / "wbstruct.mat", {"wbstruct": {"trialname": "basal", "simple": {
        "deltaFOverF_bc": x, "tv": tv, "ID": [["AVAL"], [], ["SMDVL", "SMDVR"]]}}})
    ds = nd.load_matrix(tmp_path / "wbstruct.mat")
    assert ds.attrs["source"].endswith("#wbstruct/simple/deltaFOverF_bc")
    assert ds.label.values.tolist() == ["AVAL", "", ""]
    assert ds.attrs["dt_s"] == pytest.approx(1 / 3)


def test_v73_rows_and_columns_are_not_traces(tmp_path):
    """MATLAB v7.3 keeps vectors and scalars 2-D (tv is T × 1, fps 1 × 1): beside them, the
    only real matrix is the traces, whatever its name."""
    x = np.random.default_rng(2).normal(0, 0.2, (N_TIME, 4))
    write_v73(tmp_path / "ratio.mat", {"rec": {"ratio": x, "tv": np.arange(N_TIME) * 0.25,
                                               "fps": 4.0}})
    ds = nd.load_matrix(tmp_path / "ratio.mat")
    np.testing.assert_allclose(ds.traces.values, x, rtol=1e-6)
    assert ds.attrs["dt_s"] == pytest.approx(0.25) and "import_notes" not in ds.attrs


def test_a_null_reference_is_an_unnamed_neuron(tmp_path):
    import h5py

    with h5py.File(tmp_path / "refs.h5", "w") as f:
        f["traces"] = np.random.default_rng(3).normal(0, 0.2, (N_TIME, 3))
        f["fps"] = 2.0
        f["#refs#/a"] = np.array([[ord(c)] for c in "AVAL"], dtype=np.uint16)
        f["#refs#/a"].attrs["MATLAB_class"] = np.bytes_("char")
        names = f.create_dataset("names", shape=(3,), dtype=h5py.ref_dtype)  # null references
        names[0] = f["#refs#/a"].ref
    assert nd.load_matrix(tmp_path / "refs.h5").label.values.tolist() == ["AVAL", "", ""]
