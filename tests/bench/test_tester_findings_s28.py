"""Findings of a scientist's session with `neurocast bench` on her own recording: a Ctrl-C lost
(or a raw traceback) while the seed ensembles' library compiled, the provenance of a learned
model mixing seeds, the note on a saved model trained again not saying why, and the
``--wiring`` JSON key and missing-file hint."""

from __future__ import annotations

import ctypes
import importlib.abc
import importlib.util
import json
import signal
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")

from neurocast.bench import run_benchmark, run_wirings
from neurocast.cli import main
from neurocast.data import make_dataset, save_dataset
from neurocast.errors import FormatError
from neurocast.models.deep import (
    ConnectomeRateConfig,
    ConnectomeRateForecaster,
    LinearMaeConfig,
    LinearMaeForecaster,
    TrainConfig,
    load_model,
    save_model,
)


@pytest.fixture(autouse=True)
def _python_signal_handlers():
    """Python's own SIGINT and SIGTERM handling, whatever the test runner was started with (a
    background job or nohup ignores SIGINT; some runners handle SIGTERM themselves)."""
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    yield
    signal.signal(signal.SIGINT, before[0])
    signal.signal(signal.SIGTERM, before[1])


H = 4
DOCS = Path(__file__).resolve().parents[2] / "docs" / "benchmark.md"


def _dataset(seed=0, t=400, n=8, names=None):
    """Two conditions of smooth low-rank dynamics, 0.5 s frames."""
    rng = np.random.default_rng(seed)
    lat = np.cumsum(rng.standard_normal((t, 3)), axis=0) * 0.05
    x = (lat @ rng.standard_normal((3, n)) + 0.05 * rng.standard_normal((t, n))).astype(np.float32)
    extra = {} if names is None else {"neuron": names}
    return make_dataset(x, dt_s=0.5, condition=np.repeat(["rest", "flash"], t // 2),
                        source="test synth", seed=seed, **extra)


def _linear_mae(steps=20):
    return LinearMaeForecaster(horizon=H, cfg=LinearMaeConfig(train=TrainConfig(
        learning_rate=1e-2, val_every=10, patience=100, max_steps=steps, device="cpu")))


# 1. Ctrl-C while run_benchmark imports scoringrules (its numba functions compile)

class _CompilingImport(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports a stand-in for ``scoringrules`` whose body, like numba's compiler, runs Python
    inside a ctypes callback and gets ``signum`` there (as a Ctrl-C pressed at that moment)."""

    def __init__(self, signum):
        self.signum, self.steps = signum, []

    def find_spec(self, name, path=None, target=None):
        return importlib.util.spec_from_loader(name, self) if name == "scoringrules" else None

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        steps = self.steps

        @ctypes.CFUNCTYPE(None)
        def compiling():  # llvmlite's object-cache callback, say
            signal.raise_signal(self.signum)  # handled here, at once, unless held back
            steps.append("compiled")

        compiling()  # an exception raised in there is printed and dropped by ctypes
        steps.append("imported")


@pytest.fixture
def compiling_import():
    """``install(signum)``: the next ``import scoringrules`` is the stand-in (the real module, if
    imported already, is back in ``sys.modules`` after the test, the stand-in never). The finder
    goes into ``sys.meta_path`` itself, not a copy: a finder another import adds meanwhile (the
    ``importlib_metadata`` backport moves distribution lookup to its own) must stay."""
    real, finders = sys.modules.get("scoringrules"), []

    def install(signum):
        finders.append(_CompilingImport(signum))
        sys.modules.pop("scoringrules", None)
        sys.meta_path.insert(0, finders[-1])
        return finders[-1]

    yield install
    for finder in finders:
        sys.meta_path.remove(finder)
    sys.modules.pop("scoringrules", None)
    if real is not None:
        sys.modules["scoringrules"] = real


def test_ctrl_c_while_scoringrules_compiles_is_a_keyboard_interrupt_after_the_import(compiling_import):
    """Before: the KeyboardInterrupt was raised inside the callback and dropped there, and the run
    went on (training every model and seed); now the import ends, and then the Ctrl-C comes."""
    imported = compiling_import(signal.SIGINT)
    model = _linear_mae()
    with pytest.raises(KeyboardInterrupt):
        run_benchmark(_dataset(), models=["naive", model], context=4, horizon=H, seeds=2)
    assert imported.steps == ["compiled", "imported"]  # the import was not cut short
    assert model.net is None and signal.getsignal(signal.SIGINT) is signal.default_int_handler


@pytest.mark.parametrize(("signum", "status", "said"), [
    (signal.SIGINT, 130, "neurocast: interrupted"),
    (signal.SIGTERM, 143, "neurocast: terminated (SIGTERM)"),
])
def test_the_command_reports_a_signal_during_the_import(tmp_path, capsys, compiling_import, signum,
                                                         status, said):
    store = save_dataset(_dataset(), tmp_path / "rec.zarr")
    imported = compiling_import(signum)
    out = tmp_path / "out"
    assert main(["bench", str(store), "--models", "naive,linear-mae", "--seeds", "2", "--context", "4",
                 "--horizon", str(H), "--max-steps", "5", "--out", str(out), "--no-realism"]) == status
    err = capsys.readouterr().err
    assert said in err and "Traceback" not in err and "Exception ignored" not in err
    assert imported.steps == ["compiled", "imported"] and not out.exists()
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # the command's handler removed


def test_deferred_signals_hold_a_signal_until_the_block_ends():
    from neurocast.bench._signals import deferred_signals

    seen = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: seen.append("handled"))
    try:
        with deferred_signals():
            signal.raise_signal(signal.SIGTERM)
            signal.raise_signal(signal.SIGTERM)  # twice: handled once, after the block
            seen.append("block ended")
        assert seen == ["block ended", "handled"]
        with pytest.raises(KeyboardInterrupt), deferred_signals():
            signal.raise_signal(signal.SIGINT)
            seen.append("after Ctrl-C")
        assert seen[-1] == "after Ctrl-C"
        with deferred_signals():  # nothing came: nothing raised
            pass
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


# 2. Provenance: a learned model's config and fitted record are of the same seed

def test_the_config_in_the_provenance_is_the_first_seeds():
    res = run_benchmark(_dataset(), models=[_linear_mae()], context=4, horizon=H, seeds=2)
    attrs = res.scorecard.attrs["models"]
    models = json.loads(attrs) if isinstance(attrs, str) else attrs
    m = models["linear-mae"]
    assert [f["seed"] for f in m["fitted_by_seed"]] == [0, 1]
    assert m["config"]["train"]["seed"] == m["fitted"]["seed"] == 0  # before: config of seed 1


# 3. --save-models: why a saved model is trained again

def _retrained(notes):
    return [n for n in notes if "trained again and saved over it" in n]


def test_the_retrain_note_names_the_differing_fields(tmp_path):
    ds, kw = _dataset(), dict(context=4, horizon=H, save_models=tmp_path)
    run_benchmark(ds, models=["linear-mae"], max_steps=10, **kw)
    res = run_benchmark(ds, models=["linear-mae"], max_steps=15, **kw)  # --max-steps alone changed
    assert _retrained(res.notes) == [
        f"linear-mae seed 0: '{tmp_path / 'linear-mae-seed0.pt'}' held a model of another configuration "
        "(train.max_steps: 10 (fitted) vs 15 (given)): trained again and saved over it"]
    res = run_benchmark(ds, models=["linear-mae"], max_steps=15, heldout_neurons=0.25, **kw)
    note, = _retrained(res.notes)
    assert "held a model of another protocol or split (heldout_neurons: 0.0 (fitted) vs 0.25 (given))" in note
    res = run_benchmark(_dataset(seed=1), models=["linear-mae"], max_steps=15, **kw)
    note, = _retrained(res.notes)
    assert "held a model of another dataset (other trace values (traces_sha1); seed: 0 (fitted) vs 1 (given))" in note


def test_the_retrain_note_says_interrupted_or_unreadable(tmp_path):
    ds, kw = _dataset(), dict(context=4, horizon=H, save_models=tmp_path)
    path = tmp_path / "linear-mae-seed0.pt"
    run_benchmark(ds, models=[_linear_mae()], **kw)
    model = load_model(path)
    model.fitted = {**model.fitted, "stopped_by": "interrupted", "steps": 12}
    save_model(model, path, dataset=ds)
    res = run_benchmark(ds, models=[_linear_mae()], **kw)
    note, = _retrained(res.notes)
    assert note.endswith("held a model whose training was interrupted (Ctrl-C) at step 12: "
                         "trained again and saved over it")
    path.write_bytes(b"not a model")
    res = run_benchmark(ds, models=[_linear_mae()], **kw)
    note, = _retrained(res.notes)
    assert "held a model that cannot be read ('" in note and "is not a saved neurocast model" in note
    res = run_benchmark(ds, models=[_linear_mae()], **kw)
    assert not _retrained(res.notes) and any("loaded from" in n for n in res.notes)


# 4. --wiring: the JSON key of the black boxes, and the hint for a missing model file

def test_the_black_box_wiring_key_is_documented():
    text = " ".join(DOCS.read_text(encoding="utf-8").split())
    json_part = text[text.index("`--json` prints one JSON object: `dataset`"):]
    json_part = json_part[:json_part.index("With `--group-by type`")]
    assert "With `--wiring` also `wiring`: {model: {wiring:" in json_part
    assert 'under the key `"–"` (U+2013' in json_part


def test_a_missing_model_under_wiring_names_the_wiring_option(tmp_path):
    from neurocast.connectome import random_connectome

    con = random_connectome(8, 3, seed=0)
    ds = _dataset(names=list(con.names))
    with pytest.raises(FormatError, match="no saved model 'connectome-rate' of seed 0") as err:
        run_wirings(ds, wirings=["true", "none"], models=["connectome-rate"], horizon=H, context=4,
                    connectome=con, load_models=tmp_path)
    assert err.value.hint.endswith("the same --models, --seeds and --wiring")
    rate = ConnectomeRateForecaster(H, ConnectomeRateConfig(train=TrainConfig(
        val_every=5, patience=100, max_steps=5, device="cpu")))
    run_benchmark(ds, models=[rate], horizon=H, context=4, connectome=con, save_models=tmp_path)
    with pytest.raises(FormatError, match="no saved model 'connectome-rate:none' of seed 0") as err:
        run_wirings(ds, wirings=["true", "none"], models=[rate], horizon=H, context=4,
                    connectome=con, load_models=tmp_path)
    assert err.value.hint.endswith("the same --models, --seeds and --wiring")
    with pytest.raises(FormatError, match="no saved model 'linear-mae' of seed 0") as err:
        run_benchmark(ds, models="linear-mae", horizon=H, context=4, load_models=tmp_path)
    assert err.value.hint.endswith("the same --models and --seeds")  # no --wiring here


@pytest.mark.parametrize("worse", ["SIGTERM", "SIGHUP"])
def test_deferred_signals_raise_the_most_severe_of_several(worse):
    """Ctrl-C, then SIGTERM (or SIGHUP) during the block: the command ends as terminated (143,
    129), not interrupted (130); a Ctrl-C after a SIGTERM changes nothing."""
    from neurocast.bench._signals import deferred_signals

    signum = getattr(signal, worse, None)
    if signum is None:
        pytest.skip(f"no {worse} here")

    class Terminated(BaseException):
        pass

    def terminated(s, frame):
        raise Terminated(s)

    previous = signal.signal(signum, terminated)
    try:
        for order in ([signal.SIGINT, signum], [signum, signal.SIGINT], [signal.SIGINT, signum, signal.SIGINT]):
            got = None
            try:
                with deferred_signals():
                    for s in order:
                        signal.raise_signal(s)
            except (Terminated, KeyboardInterrupt) as exc:  # KeyboardInterrupt: the SIGTERM lost
                got = exc
            assert isinstance(got, Terminated) and got.args == (signum,), (order, got)
    finally:
        signal.signal(signum, previous)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler



def test_a_handler_that_returns_lets_the_next_signal_through():
    """A SIGTERM handler that only sets a flag (a caller's own) returns: the Ctrl-C held with it
    is raised after it, not lost."""
    from neurocast.bench._signals import deferred_signals

    flags = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: flags.append(signum))
    try:
        with pytest.raises(KeyboardInterrupt), deferred_signals():
            signal.raise_signal(signal.SIGINT)
            signal.raise_signal(signal.SIGTERM)
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert flags == [signal.SIGTERM]  # raised first (the more severe), then the Ctrl-C

def test_a_command_interrupted_then_terminated_during_the_import_ends_as_terminated(monkeypatch, capsys):
    """Through the command line's handlers: Ctrl-C then SIGTERM while the import is held back
    exits 143 ('terminated (SIGTERM)'), the SIGTERM not lost behind the Ctrl-C."""
    from neurocast import cli
    from neurocast.bench._signals import deferred_signals

    def run(args):
        with deferred_signals():
            signal.raise_signal(signal.SIGINT)
            signal.raise_signal(signal.SIGTERM)
        return 0

    import neurocast.cli.data as data_cli

    monkeypatch.setattr(data_cli, "run", run)
    assert cli.main(["data", "list"]) == 143
    err = capsys.readouterr().err
    assert "terminated (SIGTERM)" in err and "interrupted" not in err


# A recording too short for the realism statistics: the report says 'not measurable', and
# realism_stats' warning (naming a Python function and constant) is not repeated as a note

def _short_dataset(t=40, n=6):
    rng = np.random.default_rng(3)
    x = np.cumsum(rng.standard_normal((t, n)), axis=0).astype(np.float32)
    return make_dataset(x, dt_s=0.5, source="test synth")


def test_bench_on_a_short_recording_does_not_pass_on_realism_stats_warning(tmp_path):
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = run_benchmark(_short_dataset(), models="naive", context=2, horizon=2,
                            out_dir=tmp_path / "out")
    said = [str(w.message) for w in caught] + list(res.notes)
    assert not [s for s in said if "realism_stats" in s or "MIN_FRAMES" in s], said
    # the realism panels are still drawn (each says 'not measurable on this recording' in the image)
    assert list((tmp_path / "out").glob("realism_*.png"))


def test_bench_command_on_a_short_recording_prints_no_python_names(tmp_path, capsys):
    store = save_dataset(_short_dataset(), tmp_path / "short.zarr")
    assert main(["bench", str(store), "--models", "naive", "--context", "2", "--horizon", "2",
                 "--out", str(tmp_path / "D")]) == 0
    err = capsys.readouterr().err
    assert "realism_stats" not in err and "MIN_FRAMES" not in err, err
