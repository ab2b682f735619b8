"""Mistakes a plug-in author makes, each refused with one clear error or skipped with a note:
entry points naming the wrong thing, name clashes, bad signatures, loaders, and shards of
statistics that do not belong together."""

from __future__ import annotations

import json
import sys
import textwrap
from dataclasses import dataclass

import numpy as np
import pytest

from neurocast.bench import (
    build_scorecard,
    evaluate,
    merge_statistics,
    read_statistics,
    stack_scorecards,
    write_scorecard,
    write_statistics,
)
from neurocast.cli import main
from neurocast.data import LOADERS, Loader, get_protocol, load_recording, make_dataset
from neurocast.errors import ConfigError, FormatError, UnknownNameError
from neurocast.infer import METHODS, InferenceMethod, get_method, register_method
from neurocast.models import MODELS, Forecaster, MeanForecaster, NaiveForecaster, register_model
from neurocast.record import PLANS
from neurocast.sim import NEURON_MODELS

# ---------------------------------------------------------------------------------------------
# entry points


MODELS_MODULE = textwrap.dedent('''
    import numpy as np
    from neurocast.models import Forecaster

    class FakeNaive(Forecaster):
        name = "naive"
        def predict(self, context, meta=None):
            return np.zeros((context.shape[0], self.horizon, context.shape[2]), np.float32)

    class Renamed(Forecaster):
        name = "innername"
        def predict(self, context, meta=None):
            return np.repeat(context[:, -1:], self.horizon, axis=1)

    class NoName(Forecaster):
        def predict(self, context, meta=None):
            return np.repeat(context[:, -1:], self.horizon, axis=1)

    class BadSig(Forecaster):
        name = "badsig"
        def predict(self, context):
            return np.repeat(context[:, -1:], self.horizon, axis=1)

    class Good(Forecaster):
        name = "good"
        description = "a plug-in that works"
        def predict(self, context, meta=None):
            return np.repeat(context[:, -1:], self.horizon, axis=1)

    NOT_A_MODEL = 42
''')

# a neuron model and a stimulus plan that uses it, in one module; and a plan whose model is
# defined only after it (it must be skipped, not loop)
SIM_MODULE = textwrap.dedent('''
    from neurocast.record import Condition, StimulusPlan
    from neurocast.sim import NeuronModel, ShiuParams, build_network, simulate

    MODEL = NeuronModel("shiu-demo", ShiuParams(tau_m_ms=10.0), build_network, simulate, "demo")
    PLAN = StimulusPlan(name="demo-plan", network="celegans-cook2019", frame_dt_s=0.5,
                        conditions=(Condition("rest", 10),), model="shiu-demo")
    MODEL2 = NeuronModel("shiu-demo2", ShiuParams(tau_m_ms=12.0), build_network, simulate, "two")
    PLAN2 = StimulusPlan(name="demo-plan2", network="celegans-cook2019", frame_dt_s=0.5,
                         conditions=(Condition("rest", 10),), model="shiu-demo2")
''')
LATE_MODULE = textwrap.dedent('''
    from neurocast.record import Condition, StimulusPlan
    from neurocast.sim import NeuronModel, ShiuParams, build_network, simulate

    PLAN = StimulusPlan(name="late-plan", network="celegans-cook2019", frame_dt_s=0.5,
                        conditions=(Condition("rest", 10),), model="shiu-late")
    MODEL = NeuronModel("shiu-late", ShiuParams(), build_network, simulate, "defined too late")
''')

ENTRY_POINTS = """\
[neurocast.models]
naive = nc_mistakes_models:FakeNaive
outername = nc_mistakes_models:Renamed
noname = nc_mistakes_models:NoName
badsig = nc_mistakes_models:BadSig
notamodel = nc_mistakes_models:NOT_A_MODEL
good = nc_mistakes_models:Good

[neurocast.loaders]
notaloader = nc_mistakes_models:Good

[neurocast.neuron_models]
shiu-demo = nc_mistakes_sim:MODEL
shiu-demo2 = nc_mistakes_sim:MODEL2
shiu-late = nc_mistakes_late:MODEL

[neurocast.plans]
demo-plan = nc_mistakes_sim:PLAN
demo-plan2 = nc_mistakes_sim:PLAN2
late-plan = nc_mistakes_late:PLAN
"""

REGISTRIES = (MODELS, LOADERS, NEURON_MODELS, PLANS)


@pytest.fixture
def plugins(tmp_path, monkeypatch):
    """The modules above installed as a distribution with the entry points above."""
    site = tmp_path / "site"
    site.mkdir()
    for name, text in (("models", MODELS_MODULE), ("sim", SIM_MODULE), ("late", LATE_MODULE)):
        (site / f"nc_mistakes_{name}.py").write_text(text)
    info = site / "nc_mistakes-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: nc-mistakes\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(ENTRY_POINTS)
    monkeypatch.syspath_prepend(str(site))
    for name in ("models", "sim", "late"):  # imported afresh: lookups made while they run
        monkeypatch.delitem(sys.modules, f"nc_mistakes_{name}", raising=False)
    for reg in REGISTRIES:
        monkeypatch.setattr(reg, "_pending", None)
    yield
    for reg in REGISTRIES:
        for name in list(reg._plugins):
            reg.unregister(name)


def _notes(record) -> str:
    return "\n".join(str(w.message) for w in record)


def test_bad_model_entry_points_are_skipped_with_a_note_each(plugins, capsys):
    assert main(["bench", "--models", "--json"]) == 0  # the command prints the warnings as notes
    out, notes = capsys.readouterr()
    listed = {r["name"] for r in json.loads(out)["models"]}
    assert "good" in listed and "naive" in listed
    assert not listed & {"notamodel", "outername", "innername", "noname", "badsig", "forecaster"}
    assert notes.count("note: neurocast: ") == 5
    assert "'notamodel' (nc_mistakes_models:NOT_A_MODEL): a model is registered as a Forecaster " \
           "subclass, not 42" in notes
    assert "'outername' (nc_mistakes_models:Renamed): it names the model 'innername'" in notes
    assert "name the entry point 'innername'" in notes
    assert "'noname' (nc_mistakes_models:NoName): the Forecaster subclass NoName has no name" in notes
    assert "BadSig.predict takes predict(self, context)" in notes
    assert "ignoring model plug-in 'naive' (nc_mistakes_models:FakeNaive): the name 'naive' is " \
           "taken by a built-in model, which wins" in notes
    assert MODELS.get("naive") is NaiveForecaster
    with pytest.raises(UnknownNameError, match="unknown model 'notamodel'"):
        MODELS.get("notamodel")


def test_a_bad_entry_point_named_on_the_command_line_is_an_unknown_model(plugins, capsys):
    assert main(["bench", "worm-default", "--models", "notamodel"]) == 2
    err = capsys.readouterr().err
    assert "note: neurocast: skipping model plug-in 'notamodel'" in err
    assert "unknown model 'notamodel'" in err and "Traceback" not in err


def test_a_loader_entry_point_naming_a_forecaster_is_skipped(plugins):
    with pytest.warns(UserWarning, match=r"'notaloader' \(nc_mistakes_models:Good\): the class "
                                         r"Good is not a Loader"):
        assert "notaloader" not in LOADERS


@pytest.mark.parametrize("first", ["models", "plans"])
def test_two_model_and_plan_pairs_in_one_module_load_whichever_is_asked_first(plugins, first):
    with pytest.warns(UserWarning) as record:  # only the late module is reported
        (NEURON_MODELS if first == "models" else PLANS).names()
        assert {"shiu-demo", "shiu-demo2"} <= set(NEURON_MODELS.names())
        assert {"demo-plan", "demo-plan2"} <= set(PLANS.names())
    assert "plug-in 'shiu-demo" not in _notes(record) and "plug-in 'demo-plan" not in _notes(record)
    assert PLANS.get("demo-plan2").model == "shiu-demo2"


def test_first_lookups_from_several_threads_all_see_every_plug_in(plugins):
    import threading

    seen, lock = [], threading.Lock()

    def look():
        names = set(NEURON_MODELS.names())
        with lock:
            seen.append({"shiu-demo", "shiu-demo2"} <= names)

    with pytest.warns(UserWarning):
        threads = [threading.Thread(target=look) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert seen == [True] * 4


def test_a_plan_may_look_up_the_neuron_model_defined_above_it_in_its_module(plugins):
    with pytest.warns(UserWarning) as record:  # the late module is skipped, without a loop
        assert NEURON_MODELS.get("shiu-demo").description == "demo"
        assert PLANS.get("demo-plan").model == "shiu-demo"
    notes = _notes(record)
    assert "plug-in 'shiu-demo'" not in notes and "plug-in 'demo-plan'" not in notes
    assert "skipping neuron model plug-in 'shiu-late' (nc_mistakes_late:MODEL): " \
           "UnknownNameError: unknown neuron model 'shiu-late'" in notes
    assert "shiu-late" not in NEURON_MODELS and "late-plan" not in PLANS


def test_the_plan_first_also_finds_its_model(plugins):
    with pytest.warns(UserWarning, match="shiu-late"):
        assert PLANS.get("demo-plan").model == "shiu-demo"
    assert "shiu-demo" in NEURON_MODELS


# ---------------------------------------------------------------------------------------------
# forecasters and inference methods registered in code


class _BadSig(Forecaster):
    name = "badsig-code"

    def predict(self, context):
        return context


class _BadFit(Forecaster):
    name = "badfit-code"

    def fit(self, train):
        return self

    def predict(self, context, meta=None):
        return context


class _NoPredict(Forecaster):
    name = "nopredict"


class _NoName(Forecaster):
    def predict(self, context, meta=None):
        return context


class _NaiveAgain(NaiveForecaster):  # keeps the name 'naive'
    pass


def test_register_model_refuses_what_the_bench_cannot_call():
    with pytest.raises(ConfigError, match=r"_BadSig.predict takes predict\(self, context\), but the "
                                          r"bench calls predict\(self, context, meta=None\)"):
        register_model(_BadSig)
    with pytest.raises(ConfigError, match=r"_BadFit.fit takes fit\(self, train\)"):
        register_model(_BadFit)
    with pytest.raises(ConfigError, match="_NoPredict does not define predict"):
        register_model(_NoPredict)
    with pytest.raises(ConfigError, match="_NoName has no name of its own"):
        register_model(_NoName)
    with pytest.raises(ConfigError, match="model 'naive' is already registered"):
        register_model(_NaiveAgain)
    assert MODELS.register(_NaiveAgain, name="naive-again") is _NaiveAgain  # under another name
    MODELS.unregister("naive-again")
    with pytest.raises(ConfigError, match="not an instance of NaiveForecaster") as err:
        register_model(NaiveForecaster())
    assert "register_model(MyForecaster)" in err.value.hint
    assert "badsig-code" not in MODELS and "nopredict" not in MODELS


def test_a_forecaster_with_a_bad_signature_is_refused_when_made():
    with pytest.raises(ConfigError, match=r"_BadSig\.predict takes"):
        _BadSig(horizon=4)
    with pytest.raises(NotImplementedError, match="_NoPredict does not define predict"):
        _NoPredict(horizon=4).predict(np.zeros((1, 4, 2), np.float32))


def test_register_method_refuses_what_is_not_a_method_dataclass():
    class NotDataclass(InferenceMethod):
        name = "notdc"

        def infer(self, activity):
            return None

    @dataclass(frozen=True)
    class NoInfer(InferenceMethod):
        name = "noinfer"

    with pytest.raises(ConfigError, match="InferenceMethod subclass, not <class 'int'>"):
        register_method(int)
    with pytest.raises(ConfigError, match="NoInfer does not define infer"):
        register_method(NoInfer)
    assert "noinfer" not in METHODS
    register_method(NotDataclass)  # may come before @dataclass: checked when it is made
    try:
        with pytest.raises(ConfigError, match="NotDataclass is not a dataclass") as err:
            get_method("notdc")
        assert "@dataclass(frozen=True)" in err.value.hint
    finally:
        METHODS.unregister("notdc")

    @dataclass(frozen=True)
    @register_method
    class Under(InferenceMethod):
        name = "under"
        alpha: float = 2.0

        def infer(self, activity):
            return None

    try:
        assert get_method("under").options() == {"alpha": 2.0}
    finally:
        METHODS.unregister("under")


# ---------------------------------------------------------------------------------------------
# loaders


def _scaled(path, *, dt_s: float = 1.0, scale: float = 1.0):
    return make_dataset(np.load(path) * scale, dt_s=dt_s, source="scaled")


def _needs(path, *, delimiter):
    return _scaled(path)


def _array(path):
    return np.load(path)


@pytest.fixture
def loaders(tmp_path):
    src = tmp_path / "m.npy"
    np.save(src, np.random.default_rng(0).standard_normal((40, 3)).astype(np.float32))
    for loader in (Loader("scaled", "x", _scaled), Loader("needs", "x", _needs),
                   Loader("array", "x", _array)):
        LOADERS.register(loader)
    yield src
    for name in ("scaled", "needs", "array"):
        LOADERS.unregister(name)


def test_loader_hints_name_only_flags_that_exist(loaders):
    with pytest.raises(ConfigError, match="does not take --key") as err:
        load_recording(loaders, "scaled", key="x")
    assert err.value.hint == "it takes: --dt-s; in Python only: load_recording(path, 'scaled', scale=...)"
    with pytest.raises(ConfigError, match="'needs' needs the option\\(s\\) delimiter, which") as err:
        load_recording(loaders, "needs")
    assert "--delimiter" not in str(err.value)
    assert "load_recording(path, 'needs', delimiter=...)" in err.value.hint
    assert float(load_recording(loaders, "scaled", scale=2.0)["traces"].values[0, 0]) \
        == pytest.approx(2 * float(np.load(loaders)[0, 0]))


def test_a_loader_returning_no_dataset_is_named(loaders, tmp_path, capsys):
    with pytest.raises(FormatError, match=r"what the loader of format 'array' \(.*_array\) returned "
                                          r"is a ndarray, not an xarray.Dataset"):
        load_recording(loaders, "array")
    assert main(["data", "import", str(loaders), str(tmp_path / "o.zarr"), "--format", "array"]) == 2
    assert "not an xarray.Dataset" in capsys.readouterr().err


def test_registering_a_non_loader_is_refused():
    with pytest.raises(ConfigError, match="42 is not a Loader"):
        LOADERS.register(42, name="fortytwo")
    with pytest.raises(ConfigError, match="format 'nopath': load takes no path"):
        Loader("nopath", "x", lambda: None)


def test_a_required_option_without_a_keyword_marker_is_still_required(loaders):
    def positional(path, dt_s):
        return _scaled(path, dt_s=dt_s)

    LOADERS.register(Loader("positional", "x", positional))
    try:
        with pytest.raises(ConfigError, match="format 'positional' needs --dt-s"):
            load_recording(loaders, "positional")
        assert float(load_recording(loaders, "positional", dt_s=0.5).attrs["dt_s"]) == 0.5
    finally:
        LOADERS.unregister("positional")


# ---------------------------------------------------------------------------------------------
# statistics in shards, scorecards stacked


@pytest.fixture(scope="module")
def traces():
    return np.cumsum(np.random.default_rng(3).standard_normal((900, 5)), axis=0).astype(np.float32)


def _proto(context=4, horizon=5):
    return get_protocol("conditions", conditions=["a", "b", "c"], offsets=[0, 300, 600, 900],
                        heldout=["c"], context=context, horizon=horizon)


def _stats(traces, conditions, context=4, horizon=5, model=None):
    model = model or MeanForecaster(horizon=horizon)
    return evaluate(model, traces, _proto(context, horizon), conditions=conditions)


def test_shards_of_different_protocols_do_not_merge(traces, tmp_path):
    write_statistics({"mean": _stats(traces, ["a"])}, _proto(), tmp_path / "4.nc")
    write_statistics({"mean": _stats(traces, ["b", "c"], context=8)}, _proto(8), tmp_path / "8.nc")
    four, eight = read_statistics(tmp_path / "4.nc"), read_statistics(tmp_path / "8.nc")
    with pytest.raises(FormatError, match="shard 2 with shard 1: they were evaluated under "
                                          "different protocols \\(context 8, not 4\\)"):
        merge_statistics(four, eight)


def test_the_same_shard_twice_does_not_merge(traces):
    one = {"mean": _stats(traces, ["a"])}
    with pytest.raises(FormatError, match="cannot merge shard 3: model 'mean' on test set 'a' is "
                                          "the same as in shard 1"):
        merge_statistics(one, {"naive": _stats(traces, ["a"])}, one)


def test_shards_of_other_neurons_of_one_test_set_are_summed(traces):
    """Split by neurons (masks), as WindowStats.merge allows: the sum equals the whole."""
    proto = _proto()
    whole = evaluate(MeanForecaster(horizon=5), traces, proto, conditions=["a"])
    halves = []
    for cols in (slice(0, 2), slice(2, 5)):
        mask = np.zeros(traces.shape, dtype=bool)
        mask[:, cols] = True
        halves.append({"mean": evaluate(MeanForecaster(horizon=5), traces, proto, mask=mask,
                                        conditions=["a"])})
    merged = merge_statistics(*halves)["mean"]["a"]
    np.testing.assert_array_equal(merged.count, whole["a"].count)
    for key in whole["a"].sums:
        np.testing.assert_allclose(merged.sums[key], whole["a"].sums[key], rtol=1e-12)


def test_shards_of_different_horizons_do_not_merge(traces):
    with pytest.raises(FormatError, match="shard 2 with shard 1: horizon 8, not 5"):
        merge_statistics({"mean": _stats(traces, ["a"])},
                         {"mean": _stats(traces, ["b"], horizon=8)})


def test_a_model_missing_from_a_shard_is_named(traces):
    with pytest.raises(FormatError, match="model 'naive' has no statistics on test set\\(s\\) 'a'"):
        merge_statistics({"mean": _stats(traces, ["a"])},
                         {"mean": _stats(traces, ["b"]), "naive": _stats(traces, ["b"])})
    with pytest.raises(ConfigError, match="model 'naive' has no statistics on test set\\(s\\) 'a'"):
        build_scorecard({"mean": _stats(traces, ["a", "b"]), "naive": _stats(traces, ["b"])},
                        _proto())


def test_shards_of_one_protocol_still_merge_into_the_whole(traces, tmp_path):
    write_statistics({"mean": _stats(traces, ["a"])}, _proto(), tmp_path / "1.nc")
    write_statistics({"mean": _stats(traces, ["b", "c"])}, _proto(), tmp_path / "2.nc")
    merged = merge_statistics(read_statistics(tmp_path / "1.nc"), read_statistics(tmp_path / "2.nc"))
    whole = build_scorecard({"mean": _stats(traces, None)}, _proto())
    assert np.array_equal(build_scorecard(merged, _proto())["score"].values, whole["score"].values)


def test_writing_and_reading_statistics_refuse_what_is_not_statistics(traces, tmp_path):
    with pytest.raises(ConfigError, match="no statistics to use"):
        write_statistics({}, _proto(), tmp_path / "empty.nc")
    with pytest.raises(ConfigError, match="cover 8 steps ahead, but the protocol's horizon is 5"):
        write_statistics({"mean": _stats(traces, ["a"], horizon=8)}, _proto(), tmp_path / "h.nc")
    assert not (tmp_path / "empty.nc").exists() and not (tmp_path / "h.nc").exists()
    card = build_scorecard({"mean": _stats(traces, None)}, _proto())
    nc = write_scorecard(card, tmp_path)["netcdf"]
    with pytest.raises(FormatError, match="is not a statistics file: it has no count, "
                                          "window_condition, group") as err:
        read_statistics(nc)
    assert "read_scorecard" in err.value.hint
    (tmp_path / "notes.nc").write_text("not netCDF")
    with pytest.raises(FormatError, match="is not a netCDF file of statistics"):
        read_statistics(tmp_path / "notes.nc")


def test_stacking_refuses_scorecards_of_other_protocols(traces):
    five = build_scorecard({"mean": _stats(traces, None)}, _proto())
    eight = build_scorecard({"mean": _stats(traces, None, horizon=8)}, _proto(horizon=8))
    with pytest.raises(ConfigError, match="scorecard of h '8' with that of '5': another protocol "
                                          "\\(horizon 8, not 5\\)"):
        stack_scorecards([five, eight], "h", ["5", "8"])
    assert stack_scorecards([five, five], "seed", [0, 1]).sizes["seed"] == 2


@pytest.mark.parametrize("registry, kind", [
    ("neurocast.record:PLANS", "StimulusPlan"), ("neurocast.catalog:DATASETS", "BuiltinDataset"),
    ("neurocast.sim:NEURON_MODELS", "NeuronModel"), ("neurocast.bench:METRICS", "Metric"),
    ("neurocast.bench:STATISTICS", "Statistic"),
])
def test_every_registry_refuses_an_object_of_another_kind(registry, kind):
    import importlib

    module, name = registry.split(":")
    reg = getattr(importlib.import_module(module), name)
    with pytest.raises(ConfigError, match=f"is not a {kind}"):
        reg.register("a string", name="thing")
    assert "thing" not in reg.names()


def test_a_cross_validated_run_does_not_merge_with_a_plain_one(traces, tmp_path):
    from neurocast.bench import run_benchmark
    from neurocast.data import make_dataset

    ds = make_dataset(traces, dt_s=0.5, condition=np.repeat(["a", "b", "c"], 300),
                      heldout_conditions=["c"])
    folded = run_benchmark(ds, models="naive", context=4, horizon=5, cv_folds=2, realism=False,
                           out_dir=tmp_path / "f").files["statistics"]
    plain = run_benchmark(ds, models="mean", context=4, horizon=5, realism=False,
                          out_dir=tmp_path / "p").files["statistics"]
    assert read_statistics(folded)[1].folds == 2
    with pytest.raises(FormatError, match="different protocols"):
        merge_statistics(read_statistics(folded), read_statistics(plain))
