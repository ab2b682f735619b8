"""NWB files in the layout of the C. elegans whole-brain corpus (WormID / NWBelegans on DANDI).

The files are written in a subprocess that defines the extension type ``SegmentationLabels``
(namespace 'ndx-multichannel-volume', as the real files carry it); this process reads them
with nothing but the spec cached in the file, as a user without the extension does.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

import neurocast.data as nd
from neurocast.cli import main
from neurocast.errors import FormatError

EXTENSION = "ndx-multichannel-volume"
N_TIME, N_ROI = 20, 6
#: NeuronIDs labels as real files hold them: blank or one space for an unidentified neuron,
#: a name repeated when two ROIs got the same identity.
LABELS = ["AVAL", "", "AVAR", " ", "RIML", "AVAL"]
SIGNAL = ("Fluorescence", "SignalRawFluor", "SignalCalciumImResponseSeries")
REFERENCE = ("Fluorescence", "ReferenceRawFluor", "ReferenceCalciumImResponseSeries")
SIGNAL_LABEL = "CalciumActivity/SignalRawFluor/SignalCalciumImResponseSeries"
#: NeuronIDs of the static NeuroPAL volume, as many as the calcium ROIs: never their names.
NP_LABELS = [f"NPL{i}" for i in range(N_ROI)]
ROI_NAMES = [f"roi{i}" for i in range(N_ROI)]
TABLE = "ROI table processing/CalciumActivity/SegmentationVol1/Seg_tpoint_1"

#: name -> the keyword arguments of ``_write_one``; every file is written once per module.
LAYOUTS = {
    "wormid": {"neuron_ids": LABELS},
    "dff": {"series": [SIGNAL, REFERENCE, ["DfOverF", "SignalDFoF", "SignalDFoFSeries"]],
            "neuron_ids": LABELS},
    "two_signals": {"series": [SIGNAL, ["Fluorescence", "SignalRawFluor2", "Signal2"], REFERENCE],
                    "neuron_ids": LABELS},
    "ragged": {"series": [SIGNAL], "id_labels": [list("AVAL"), ["AVAR"], ["AVAR", "AVAL"], [],
                                                 [" "], ["SMDVL"]]},
    "reordered": {"series": [SIGNAL], "neuron_ids": LABELS, "region": [5, 2, 0, 4]},
    "bare": {"series": [["bare", "", "SignalCalciumImResponseSeries"],
                        ["bare", "", "SignalDFF"]], "neuron_ids": LABELS},
    "wrong_length": {"series": [SIGNAL], "neuron_ids": [*LABELS, "ASHL"]},
    # labels and the segmentation they name (ids_link / neuropal_link: what NeuronIDs links)
    "neuropal_only": {"series": [SIGNAL], "neuropal_ids": NP_LABELS, "neuropal_rois": N_ROI},
    "neuropal_and_wrong_length": {"series": [SIGNAL], "neuron_ids": [*LABELS, "ASHL"],
                                  "neuropal_ids": NP_LABELS, "neuropal_rois": N_ROI},
    "neuropal_unlinked": {"series": [SIGNAL], "neuropal_ids": NP_LABELS, "neuropal_link": None,
                          "neuropal_rois": N_ROI},
    "neuropal_volume": {"series": [SIGNAL], "neuropal_ids": NP_LABELS, "neuropal_link": "volume",
                        "neuropal_rois": N_ROI},
    "other_segmentation": {"series": [SIGNAL], "neuron_ids": LABELS, "ids_link": "other"},
    "volume_link": {"series": [SIGNAL], "neuron_ids": LABELS, "ids_link": "volume"},
    "unlinked": {"series": [SIGNAL], "neuron_ids": LABELS, "ids_link": None},
    # channels and trace kinds
    "ratio": {"series": [["Fluorescence", "Fluorescence", "GCaMP"],
                         ["Fluorescence", "Fluorescence", "tagRFP"],
                         ["Fluorescence", "Fluorescence", "ratio_GCaMP_RFP"]],
              "neuron_ids": LABELS},
    "bare_dff": {"series": [["bare", "", "dF_over_F"]], "neuron_ids": LABELS},
    # a generic ROI-table column: a category, or names
    "category": {"series": [SIGNAL],
                 "label_column": ["label", ["soma", "soma", "dendrite", "soma", "dendrite", "soma"]]},
    "name_column": {"series": [SIGNAL],
                    "label_column": ["names", ["AVAL", "AVAR", "", "RIML", "AVAL", "SMDVL"]]},
}


# ---------------------------------------------------------------------- writing (subprocess)
def _extension(folder: Path):
    """Define SegmentationLabels like ndx-multichannel-volume's spec (a text dataset ``labels``,
    one per ROI, a ``description``, optional links to the ImageSegmentation and to a volume
    series of ROI masks, ``MCVSeriesSegmentation``) and load it. The real spec's volume link
    targets its own MultiChannelVolumeSeries, a TimeSeries: here a TimeSeries stands in."""
    from pynwb import get_class, load_namespaces
    from pynwb.spec import (
        NWBDatasetSpec,
        NWBGroupSpec,
        NWBLinkSpec,
        NWBNamespaceBuilder,
        export_spec,
    )

    ns = NWBNamespaceBuilder(doc="multichannel volumes (test copy)", name=EXTENSION,
                             version="0.1.12", author="test", contact="test@example.org")
    ns.include_type("NWBDataInterface", namespace="core")
    ns.include_type("ImageSegmentation", namespace="core")
    ns.include_type("TimeSeries", namespace="core")
    labels = NWBGroupSpec(
        neurodata_type_def="SegmentationLabels", neurodata_type_inc="NWBDataInterface",
        doc="Segmentation labels",
        datasets=[NWBDatasetSpec(name="labels", dtype="text", dims=["labels"], shape=[None],
                                 doc="ROI labels, one per ROI"),
                  NWBDatasetSpec(name="description", dtype="text", doc="what the ROIs are")],
        links=[NWBLinkSpec(name="ImageSegmentation", target_type="ImageSegmentation",
                           doc="the segmentation the labels apply to", quantity="?"),
               NWBLinkSpec(name="MCVSeriesSegmentation", target_type="TimeSeries",
                           doc="series of indexed ROI masks", quantity="?")],
    )
    folder.mkdir(parents=True, exist_ok=True)
    export_spec(ns, [labels], str(folder))
    load_namespaces(str(folder / f"{EXTENSION}.namespace.yaml"))
    return get_class("SegmentationLabels", EXTENSION)


def _write_one(path, labels_type, *, series=(SIGNAL, REFERENCE), neuron_ids=None, region=None,
               id_labels=None, label_column=None, ids_link="seg", neuropal_ids=None,
               neuropal_link="seg", neuropal_rois=N_ROI - 1):
    """One file: processing/CalciumActivity with the series (container type, container name,
    series name; type 'bare' puts the series in the module itself) over the ROIs ``region``
    (rows of SegmentationVol1/Seg_tpoint_1, N_ROI voxel-mask ROIs; optional columns ragged
    ``ID_labels`` and ``label_column`` [name, values]), NeuronIDs labels, and a NeuroPAL module
    whose own ROI table (``neuropal_rois`` rows) holds other names, with optional NeuronIDs of
    its own. What each NeuronIDs links (ids_link, neuropal_link): "seg" its module's
    segmentation (SegmentationVol1, NeuroPALSegmentation), "other" a second ImageSegmentation
    of CalciumActivity (SegmentationVol2), "volume" a mask series (MCVSeriesSegmentation), None
    nothing. Series k's data are 1000 * k + arange, shaped (N_TIME, len(region))."""
    from pynwb import NWBHDF5IO, NWBFile, TimeSeries
    from pynwb.ophys import (
        DfOverF,
        Fluorescence,
        ImageSegmentation,
        OpticalChannel,
        RoiResponseSeries,
    )

    def labels(name, values, link, seg):
        if link == "volume":
            masks = TimeSeries(name=f"{name}Masks", data=np.zeros((2, 3)), unit="index", rate=4.0)
            nwb.add_acquisition(masks)
            return labels_type(name="NeuronIDs", labels=values, MCVSeriesSegmentation=masks,
                               description="identities")
        linked = {"seg": {"ImageSegmentation": seg}, None: {}}[link]
        return labels_type(name="NeuronIDs", labels=values, description="identities", **linked)

    nwb = NWBFile(session_description="worm", identifier=Path(path).stem,
                  session_start_time=datetime(2024, 1, 1, tzinfo=UTC))
    device = nwb.create_device(name="spinning disk")
    channel = OpticalChannel(name="GCaMP", description="green", emission_lambda=515.0)
    plane = nwb.create_imaging_plane(name="CalciumImVol", optical_channel=channel, description="v",
                                     device=device, excitation_lambda=488.0, imaging_rate=4.0,
                                     indicator="GCaMP6s", location="head")
    module = nwb.create_processing_module(name="CalciumActivity", description="calcium")
    seg = ImageSegmentation(name="SegmentationVol1")
    module.add(seg)
    table = seg.create_plane_segmentation(name="Seg_tpoint_1", description="ROIs", imaging_plane=plane)
    if id_labels is not None:
        table.add_column("ID_labels", "neuron identities", index=True)
    if label_column is not None:
        table.add_column(label_column[0], "what the ROI is")
    for i in range(N_ROI):
        extra = {"ID_labels": id_labels[i]} if id_labels is not None else {}
        if label_column is not None:
            extra[label_column[0]] = label_column[1][i]
        table.add_roi(voxel_mask=[(i, i, 0, 1.0)], **extra)
    rows = list(range(N_ROI)) if region is None else region
    for k, (kind, holder_name, name) in enumerate(series):
        data = 1000.0 * k + np.arange(N_TIME * len(rows), dtype=np.float64).reshape(N_TIME, -1)
        rois = table.create_roi_table_region(region=rows, description="neurons")
        if kind == "bare":
            module.add(RoiResponseSeries(name=name, data=data, rois=rois, unit="a.u.", rate=4.0))
            continue
        if holder_name not in module.data_interfaces:
            module.add(DfOverF(name=holder_name) if kind == "DfOverF" else Fluorescence(name=holder_name))
        module[holder_name].create_roi_response_series(name=name, data=data, rois=rois, unit="a.u.",
                                                       rate=4.0)
    if neuron_ids is not None:
        if ids_link == "other":  # another segmentation of the same module, as many ROIs
            other = ImageSegmentation(name="SegmentationVol2")
            module.add(other)
            other_table = other.create_plane_segmentation(name="Seg_tpoint_1", description="other",
                                                          imaging_plane=plane)
            for i in range(N_ROI):
                other_table.add_roi(voxel_mask=[(i, 0, 2, 1.0)])
            ids_link, seg = "seg", other
        module.add(labels("Calcium", neuron_ids, ids_link, seg))
    neuropal = nwb.create_processing_module(name="NeuroPAL", description="static NeuroPAL volume")
    np_seg = ImageSegmentation(name="NeuroPALSegmentation")
    neuropal.add(np_seg)
    np_table = np_seg.create_plane_segmentation(name="NeuroPALNeurons", description="n",
                                                imaging_plane=plane)
    np_table.add_column("ID_labels", "neuron identities", index=True)
    for i in range(neuropal_rois):  # another table: its names must not be read
        np_table.add_roi(voxel_mask=[(i, 0, 1, 1.0)], ID_labels=list(f"NP{i}"))
    if neuropal_ids is not None:
        neuropal.add(labels("NeuroPAL", neuropal_ids, neuropal_link, np_seg))
    with NWBHDF5IO(str(path), "w") as io:
        io.write(nwb)


def _write_all(folder: str, layouts: str) -> None:
    """Entry point of the writing subprocess: every layout into ``folder``/<name>.nwb."""
    folder = Path(folder)
    labels_type = _extension(folder / "spec")
    for name, kwargs in json.loads(layouts).items():
        _write_one(folder / f"{name}.nwb", labels_type, **kwargs)


@pytest.fixture(scope="module")
def worm(tmp_path_factory):
    """{layout name: path} of the LAYOUTS, written by a subprocess that loaded the extension."""
    folder = tmp_path_factory.mktemp("worm_nwb")
    code = ("import runpy, sys; runpy.run_path(sys.argv[1])['_write_all'](sys.argv[2], sys.argv[3])")
    subprocess.run([sys.executable, "-c", code, __file__, str(folder), json.dumps(LAYOUTS)],
                   check=True, capture_output=True, text=True)
    from pynwb import get_type_map  # the reading side: this process never loaded the extension

    assert EXTENSION not in get_type_map().namespace_catalog.namespaces
    return {name: folder / f"{name}.nwb" for name in LAYOUTS}


def _notes(ds) -> str:
    return "\n".join(ds.attrs.get("import_notes", []))


# ---------------------------------------------------------------------- reading
def test_names_come_from_neuron_ids_without_the_extension_installed(worm):
    with pytest.warns(UserWarning, match="read series " + SIGNAL_LABEL):
        ds = nd.load_nwb(worm["wormid"])
    assert ds.neuron.values.tolist() == ["AVAL", "unnamed-1", "AVAR", "unnamed-3", "RIML", "AVAL#2"]
    assert ds.label.values.tolist() == ["AVAL", "", "AVAR", "", "RIML", "AVAL"]
    assert "names from processing/CalciumActivity/NeuronIDs (labels): 4 of 6 named" in _notes(ds)
    assert ds.attrs["trace_kind"] == "fluorescence"
    from pynwb import get_type_map  # reading copies the cached spec; nothing leaks into pynwb

    assert EXTENSION not in get_type_map().namespace_catalog.namespaces


def test_the_signal_series_is_chosen_over_the_reference_channel(worm):
    with pytest.warns(UserWarning) as caught:
        ds = nd.load_nwb(worm["wormid"])
    np.testing.assert_array_equal(ds.traces.values[0], np.arange(N_ROI))  # series 0: the signal
    note = (f"read series {SIGNAL_LABEL}, the signal one; also in the file: CalciumActivity/"
            "ReferenceRawFluor/ReferenceCalciumImResponseSeries (reference channel); "
            "--series NAME")
    assert note in _notes(ds) and any(note in str(w.message) for w in caught)
    ref = nd.load_nwb(worm["wormid"], series="ReferenceCalciumImResponseSeries")
    assert ref.traces.values[0, 0] == 1000.0 and "read series" not in _notes(ref)
    assert ref.neuron.values[0] == "AVAL"


def test_dff_is_preferred_over_raw_fluorescence(worm):
    with pytest.warns(UserWarning, match="the ΔF/F one"):
        ds = nd.load_nwb(worm["dff"])
    assert ds.attrs["source"].endswith("#CalciumActivity/SignalDFoF/SignalDFoFSeries")
    assert ds.attrs["trace_kind"] == "dff" and ds.traces.values[0, 0] == 2000.0
    assert "SignalRawFluor/SignalCalciumImResponseSeries (raw fluorescence)" in _notes(ds)


def test_two_signal_series_are_still_refused(worm):
    with pytest.raises(FormatError, match="holds 3 RoiResponseSeries and none of them is clearly "
                                          "the signal") as err:
        nd.load_nwb(worm["two_signals"])
    assert SIGNAL_LABEL in err.value.hint and "CalciumActivity/SignalRawFluor2/Signal2" in err.value.hint
    ds = nd.load_nwb(worm["two_signals"], series="Signal2")
    assert ds.traces.values[0, 0] == 1000.0 and ds.neuron.values[0] == "AVAL"


def test_a_ragged_label_column_of_the_series_own_table(worm):
    with pytest.warns(UserWarning, match="several candidate names"):
        ds = nd.load_nwb(worm["ragged"])
    assert ds.neuron.values.tolist() == ["AVAL", "AVAR", "unnamed-2", "unnamed-3", "unnamed-4", "SMDVL"]
    assert ds.label.values.tolist() == ["AVAL", "AVAR", "", "", "", "SMDVL"]
    notes = _notes(ds)
    assert "names from column 'ID_labels' of ROI table processing/CalciumActivity/" \
           "SegmentationVol1/Seg_tpoint_1: 3 of 6 named" in notes
    assert "'AVAR or AVAL'" in notes and "NP0" not in "".join(ds.neuron.values)


def test_a_region_in_another_order_maps_each_column_to_its_roi(worm):
    ds = nd.load_nwb(worm["reordered"])  # region rows 5, 2, 0, 4 of the ROI table
    assert ds.neuron.values.tolist() == ["AVAL", "AVAR", "AVAL#2", "RIML"]
    assert ds.label.values.tolist() == ["AVAL", "AVAR", "AVAL", "RIML"]
    np.testing.assert_array_equal(ds.traces.values[0], np.arange(4))
    assert "(labels): 4 of 4 named" in _notes(ds)


def test_series_placed_in_the_module_directly(worm):
    with pytest.warns(UserWarning, match="read series CalciumActivity/SignalDFF, the ΔF/F one"):
        ds = nd.load_nwb(worm["bare"])
    assert ds.attrs["trace_kind"] == "dff" and ds.neuron.values[0] == "AVAL"
    raw = nd.load_nwb(worm["bare"], series="CalciumActivity/SignalCalciumImResponseSeries")
    assert "trace_kind" not in raw.attrs and raw.traces.values[0, 0] == 0.0


def test_labels_of_the_wrong_length_are_not_read(worm):
    with pytest.warns(UserWarning, match="holds 7 labels for the 6 ROIs"):
        ds = nd.load_nwb(worm["wrong_length"])
    assert ds.neuron.values.tolist() == [f"roi{i}" for i in range(N_ROI)]
    assert "label" not in ds.coords
    assert "processing/CalciumActivity/NeuronIDs holds 7 labels for the 6 ROIs" in _notes(ds)


def test_cli_imports_a_wormid_file_without_options(worm, tmp_path, capsys):
    out = tmp_path / "out.zarr"
    assert main(["data", "import", str(worm["wormid"]), str(out)]) == 0
    err = capsys.readouterr().err
    assert "note: " in err and "names from processing/CalciumActivity/NeuronIDs" in err
    ds = nd.open_dataset(out)
    assert ds.neuron.values.tolist()[:3] == ["AVAL", "unnamed-1", "AVAR"]
    assert ds.label.values.tolist()[-1] == "AVAL" and ds.neuron.values[-1] == "AVAL#2"


# ---------------------------------------------------------------------- whose labels
def test_neuropal_labels_never_name_the_calcium_rois(worm):
    with pytest.warns(UserWarning, match="labels another segmentation"):
        ds = nd.load_nwb(worm["neuropal_only"])
    assert ds.neuron.values.tolist() == ROI_NAMES and "label" not in ds.coords
    assert (f"processing/NeuroPAL/NeuronIDs labels another segmentation (NeuroPALSegmentation): "
            f"not read as the names of the 6 ROIs of {TABLE}") in _notes(ds)


def test_wrong_length_labels_fall_back_to_no_names_not_to_neuropal(worm):
    with pytest.warns(UserWarning) as caught:
        ds = nd.load_nwb(worm["neuropal_and_wrong_length"])
    assert len(caught) == 2  # both labels are noted and warned about
    assert ds.neuron.values.tolist() == ROI_NAMES and "label" not in ds.coords
    notes = _notes(ds)
    assert "processing/CalciumActivity/NeuronIDs holds 7 labels" in notes
    assert "processing/NeuroPAL/NeuronIDs labels another segmentation (NeuroPALSegmentation)" in notes
    assert "names from" not in notes


@pytest.mark.parametrize(("layout", "why"), [
    ("neuropal_unlinked", "another module's ROIs (it links no segmentation)"),
    ("neuropal_volume", "another segmentation (NeuroPALMasks) outside the series' module"),
])
def test_labels_of_another_module_without_a_table_link_are_not_read(worm, layout, why):
    with pytest.warns(UserWarning, match="not read as the names"):
        ds = nd.load_nwb(worm[layout])
    assert ds.neuron.values.tolist() == ROI_NAMES
    assert f"processing/NeuroPAL/NeuronIDs labels {why}: not read" in _notes(ds)


def test_labels_linked_to_another_segmentation_of_the_same_module_are_not_read(worm):
    with pytest.warns(UserWarning, match=r"another segmentation \(SegmentationVol2\)"):
        ds = nd.load_nwb(worm["other_segmentation"])
    assert ds.neuron.values.tolist() == ROI_NAMES and "label" not in ds.coords


@pytest.mark.parametrize("layout", ["volume_link", "unlinked"])
def test_labels_in_the_series_module_without_a_table_link_are_read(worm, layout):
    ds = nd.load_nwb(worm[layout])  # MCVSeriesSegmentation only, as some corpus files; or nothing
    assert ds.neuron.values.tolist() == ["AVAL", "unnamed-1", "AVAR", "unnamed-3", "RIML", "AVAL#2"]
    assert "names from processing/CalciumActivity/NeuronIDs (labels): 4 of 6 named" in _notes(ds)


# ---------------------------------------------------------------------- channels, trace kinds
def test_a_ratio_series_is_no_reference_channel(worm):
    with pytest.raises(FormatError, match="holds 3 RoiResponseSeries and none of them is clearly "
                                          "the signal") as err:
        nd.load_nwb(worm["ratio"])
    assert "CalciumActivity/Fluorescence/ratio_GCaMP_RFP" in err.value.hint
    assert "reference" not in str(err.value) + err.value.hint
    ds = nd.load_nwb(worm["ratio"], series="ratio_GCaMP_RFP")
    assert ds.traces.values[0, 0] == 2000.0 and ds.neuron.values[0] == "AVAL"


def test_reference_words():
    from neurocast.data._nwb import _is_reference

    assert _is_reference("m/Fluorescence/tagRFP") and _is_reference("m/ReferenceRawFluor/x")
    for label in ("m/Fluorescence/ratio_GCaMP_RFP", "m/Fluorescence/GCaMP", "m/RatioRFP/s",
                  "m/Fluorescence/GCaMP_over_RFP"):
        assert not _is_reference(label), label


def test_a_bare_series_named_df_over_f_is_dff(worm):
    ds = nd.load_nwb(worm["bare_dff"])
    assert ds.attrs["trace_kind"] == "dff" and ds.neuron.values[0] == "AVAL"


@pytest.mark.parametrize(("name", "dff"), [
    ("dF_over_F", True), ("DfOverF", True), ("deltaF_F", True), ("SignalDFF", True),
    ("df-f", True), ("dF F", True), ("SignalDFoF", True),
    ("SignalCalciumImResponseSeries", False), ("raw_F", False), ("GCaMP", False),
])
def test_dff_words(name, dff):
    from neurocast.data._nwb import _says_dff

    assert _says_dff(name) is dff


# ---------------------------------------------------------------------- generic columns
def test_a_category_label_column_is_not_read_as_names(worm):
    with pytest.warns(UserWarning, match="a category rather than neuron names"):
        ds = nd.load_nwb(worm["category"])
    assert ds.neuron.values.tolist() == ROI_NAMES and "label" not in ds.coords
    assert (f"column 'label' of {TABLE} holds 2 distinct values on 6 ROIs ('soma', 'dendrite'), "
            "a category rather than neuron names: not read as their names") in _notes(ds)


def test_a_generic_name_column_of_distinct_names_is_read(worm):
    ds = nd.load_nwb(worm["name_column"])
    assert ds.neuron.values.tolist() == ["AVAL", "AVAR", "unnamed-2", "RIML", "AVAL#2", "SMDVL"]
    assert f"names from column 'names' of {TABLE}: 5 of 6 named" in _notes(ds)
