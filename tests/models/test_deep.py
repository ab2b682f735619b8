"""Learned forecasters: they learn, they are reproducible, they never fit on val or test frames."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("torch")

from neurocast.errors import ConfigError, FormatError, NonFiniteError
from neurocast.models import MeanForecaster
from neurocast.models.deep import LEARNED_MODELS, TrainConfig, WindowStream

NAMES = [cls.name for cls in LEARNED_MODELS]
SAMPLED = ["population", "linear-mae", "timemix", "tide"]  # can train on neuron samples
SMALL = {"tide": {"hidden": 32, "temporal_hidden": 32, "covariate_hidden": 32, "decoder_dim": 8,
                  "covariate_dim": 8}}


@pytest.fixture
def sine_data(dd):
    x = dd.sines()
    return x, dd.stimulus_for(x.shape[0]), dd.protocol(x.shape[0])


@pytest.mark.parametrize("name", NAMES)
def test_each_model_overfits_a_tiny_dataset(name, sine_data, dd):
    x, stim, proto = sine_data
    train, val = dd.split(x, proto, stim)
    arch = SMALL.get(name)  # narrower TiDE: same code, a fifth of the time
    m = dd.model(name, max_steps=500, arch=arch).fit(train, val)
    baseline = dd.train_mae(MeanForecaster(horizon=4), train)  # ≈ 0.4 on these sines
    err = dd.train_mae(m, train)
    assert err < 0.03 and err < 0.08 * baseline, (name, err, baseline)
    assert m.fitted["steps"] == 500 and m.fitted["n_parameters"] > 0


@pytest.mark.parametrize("name", NAMES)
def test_each_model_fits_and_forecasts_a_one_neuron_recording(name, sine_data, dd):
    """One neuron: tsmixer's neuron mixing once failed on the (b, C, 1) contexts of predict."""
    x, stim, proto = sine_data
    m = dd.model(name, max_steps=2, arch=SMALL.get(name)).fit(*dd.split(x[:, :1], proto, stim))
    ctx = np.ascontiguousarray(x[None, 100:104, :1].repeat(3, axis=0))
    meta = dd.split(x[:, :1], proto, stim)[0][0].meta(0, 3)
    assert np.isfinite(m.predict(ctx, meta)).all() and m.predict(ctx, meta).shape == (3, 4, 1)


@pytest.mark.parametrize("name", ["timemix", "tsmixer", "population"])
def test_same_seed_same_weights_and_forecasts(name, sine_data, dd):
    x, _, proto = sine_data
    train, val = dd.split(x + np.random.default_rng(1).normal(0, 0.1, x.shape).astype(np.float32), proto)
    a, b = (dd.model(name, max_steps=120, seed=3).fit(train, val) for _ in range(2))
    other = dd.model(name, max_steps=120, seed=4).fit(train, val)
    sa, sb, so = (m.net.state_dict() for m in (a, b, other))
    assert all(np.array_equal(sa[k].numpy(), sb[k].numpy()) for k in sa)
    assert not all(np.array_equal(sa[k].numpy(), so[k].numpy()) for k in sa)
    ctx = x[None, 100:104]
    np.testing.assert_array_equal(a.predict(ctx), b.predict(ctx))


def test_val_frames_only_choose_when_to_stop(sine_data, dd):
    """Fitting with different val frames gives identical weights up to the first validation."""
    x, _, proto = sine_data
    val_range = dd.split(x, proto)[1][0]
    y = x.copy()
    y[val_range.start + proto.context:val_range.stop] += 5.0  # other val targets, same train frames
    ma = dd.model("tsmixer", max_steps=60, val_every=60).fit(*dd.split(x, proto))
    mb = dd.model("tsmixer", max_steps=60, val_every=60).fit(*dd.split(y, proto))
    sa, sb = ma.net.state_dict(), mb.net.state_dict()
    assert all(np.array_equal(sa[k].numpy(), sb[k].numpy()) for k in sa)
    assert mb.fitted["best_val_mae"] > ma.fitted["best_val_mae"] + 1.0  # val was read, for scoring


class _Recorder:
    """An array-like (time, neuron) that records every frame range read from it."""

    def __init__(self, x):
        self.x, self.read = x, []
        self.shape = x.shape

    def __getitem__(self, key):
        rows = key[0] if isinstance(key, tuple) else key
        self.read.append(range(*rows.indices(self.shape[0])))
        return self.x[key]


def test_fitting_never_reads_test_frames_and_nan_test_frames_do_not_matter(sine_data, dd):
    x, _, proto = sine_data
    y = x.copy()
    tests = [r for r in proto.splits() if r.split == "test"]
    first_target = {r.condition: r.start + proto.context for r in tests}
    for r in tests:
        y[first_target[r.condition]:r.stop] = np.nan  # every test target frame
    rec = _Recorder(y)
    m = dd.model("timemix", max_steps=100).fit(*dd.split(rec, proto))
    assert all(np.isfinite(p.detach().numpy()).all() for p in m.net.parameters())
    test_frames = set().union(*(range(first_target[r.condition], r.stop) for r in tests))
    assert rec.read and not any(set(r) & test_frames for r in rec.read)


def test_nan_val_frames_are_reported_clearly(sine_data, dd):
    x, _, proto = sine_data
    val_range = dd.split(x, proto)[1][0]
    y = x.copy()
    y[val_range.stop - 2] = np.nan
    with pytest.raises(NonFiniteError, match="val frames of condition 'all'"):
        dd.model("linear-mae", max_steps=60).fit(*dd.split(y, proto))


@pytest.mark.parametrize("budget", [1e9, 600.0])
def test_window_stream_visits_every_window_once_per_epoch(budget, dd):
    """Resident (whole) and streamed (blocks within the budget) epochs cover all windows once."""
    x = np.arange(300 * 3, dtype=np.float32).reshape(300, 3)
    proto = dd.protocol(300, context=4, horizon=4)
    segs = dd.split(x, proto)[0]
    stream = WindowStream(segs, budget_bytes=budget, what="train")
    assert stream.resident == (budget > 1e6)
    assert len(stream.blocks) == (1 if stream.resident else 4)  # 203 windows, 64 per block of 71 frames
    seen = []
    for b, starts in stream.batches(1, np.random.default_rng(0)):
        frames, _ = stream.load(b)
        assert stream.resident or frames.shape[0] <= 71
        seen.extend(frames[starts, 0] // 3)  # first frame of each window, in recording frames
    expected = segs[0].start + np.arange(segs[0].n_windows)
    np.testing.assert_array_equal(np.sort(seen), expected)


def test_streamed_training_reads_each_block_once_per_epoch(sine_data, dd):
    """With a budget too small for the train frames, blocks are read once per epoch, not per batch."""
    x, _, proto = sine_data
    rec = _Recorder(x)
    train, val = dd.split(rec, proto)
    m = dd.model("linear-mae", max_steps=60, val_every=60, memory_budget_gb=3000 / 2**30)
    m.fit(train, val)
    assert not m.fitted["resident"]
    train_reads = [r for r in rec.read if r.start < train[0].stop - proto.context]
    n_blocks = len(WindowStream(train, budget_bytes=2400, what="train").blocks)  # 80 % of 3000
    epochs = int(np.ceil(m.fitted["epochs"])) + 1
    assert len(train_reads) <= n_blocks * epochs < 60  # far fewer reads than steps


def test_tide_needs_stimulus(sine_data, dd, monkeypatch):
    x, _, proto = sine_data
    with pytest.raises(FormatError, match="stimulus covariates"):
        dd.model("tide").fit(*dd.split(x, proto))
    # the benchmark says so before fitting anything, naming the model
    from neurocast.bench import run_benchmark
    from neurocast.data import make_dataset
    from neurocast.models import NaiveForecaster

    monkeypatch.setattr(NaiveForecaster, "fit", lambda *a, **k: pytest.fail("fitted before the check"))
    with pytest.raises(ConfigError, match=r"^tide forecast"):
        run_benchmark(make_dataset(x, dt_s=0.5), models=["naive", "tide"], context=4, horizon=4)


def test_train_config_is_validated():
    with pytest.raises(ConfigError, match="auto, cpu, cuda"):
        TrainConfig(device="gpu")
    with pytest.raises(ConfigError, match="batch_size"):
        TrainConfig(batch_size=0)


def test_importing_models_does_not_import_torch():
    code = "import sys, neurocast.models, neurocast.models.deep; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_torch_is_imported_with_sleeping_openmp_threads_unless_told_otherwise():
    import os

    code = ("import os; from neurocast.models.deep._training import import_torch; import_torch(); "
            "print(os.environ['OMP_WAIT_POLICY'], os.environ['THP_MEM_ALLOC_ENABLE'])")
    cases = [(None, "PASSIVE 1"), ("ACTIVE", "ACTIVE 1")]
    runs = []
    for env, _ in cases:  # two fresh interpreters, side by side (each pays torch's import)
        environ = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "THP_MEM_ALLOC_ENABLE")}
        if env is not None:
            environ["OMP_WAIT_POLICY"] = env
        runs.append(subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env=environ))
    for (env, expected), run in zip(cases, runs, strict=True):
        out, err = run.communicate(timeout=300)
        assert run.returncode == 0, err
        assert out.split() == expected.split(), env


def test_fitting_and_predicting_flush_subnormal_floats_to_zero_and_only_then():
    # AdamW's first moments of weights whose gradient stays 0 decay into subnormals, which cost
    # tens of times more per operation (tsmixer at 71,721 neurons: 0.25 -> 0.6-0.8 s per step)
    from neurocast.models.deep._training import import_torch, torch_settings

    torch = import_torch()
    tiny = torch.full((1 << 17,), 1e-39)  # subnormal in float32; large enough for both threads
    with torch_settings(2):
        assert float((tiny * 0.5).abs().max()) == 0.0
    assert float((tiny * 0.5).abs().max()) > 0.0


def test_neuron_names_are_used_when_present(sine_data, dd):
    x, _, proto = sine_data
    m = dd.model("linear-mae", max_steps=20).fit(*dd.split(dd.as_traces(x), proto))
    assert "neuron_sha1" in m.dataset and m.dataset["n_neurons"] == x.shape[1]


def test_lean_adamw_matches_torch_adamw_bit_for_bit():
    """The training loop's AdamW gives exactly torch.optim.AdamW(fused=True)'s weights, and skips
    parameters without a gradient as torch does."""
    import torch

    from neurocast.models.deep._training import AdamW

    torch.manual_seed(0)
    init = [torch.randn(5, 3), torch.randn(3, 1), torch.randn(2)]
    ours = [torch.nn.Parameter(t.clone()) for t in init]
    ref = [torch.nn.Parameter(t.clone()) for t in init]
    opt = AdamW(torch, ours, lr=1e-2, weight_decay=1e-3)
    ref_opt = torch.optim.AdamW(ref, lr=1e-2, weight_decay=1e-3, fused=True)
    for step in range(30):
        grads = [torch.randn_like(t) for t in init]
        for params, o in ((ours, opt), (ref, ref_opt)):
            o.zero_grad()
            for i, (p, g) in enumerate(zip(params, grads, strict=True)):
                if not (i == 2 and step % 3 == 0):  # the last one gets no gradient every 3rd step
                    p.grad = g.clone()
            o.step()
    for a, b, t in zip(ours, ref, init, strict=True):
        assert torch.equal(a, b) and not torch.equal(a, t)


@pytest.mark.parametrize(("name", "arch"), [("linear-mae", None), ("timemix", None),
                                           ("timemix", {"revin": True}), ("tsmixer", None),
                                           ("population", None)])
def test_forecast_does_not_depend_on_the_memory_layout_of_the_context(name, arch, dd):
    """Training hands nets time-major views; predict hands them contiguous (batch, C, N) arrays."""
    import torch

    m = dd.model(name, arch=arch)
    torch.manual_seed(0)
    net = m.build_net(8, 7, 0)
    for p in net.parameters():  # away from the zero/mean initialisation: every layer matters
        torch.nn.init.normal_(p, std=0.3)
    x = torch.randn(5, 8, 7)
    time_major = x.transpose(0, 1).contiguous().transpose(0, 1)
    with torch.no_grad():
        a, b = net(x), net(time_major)
    assert a.shape == (5, m.horizon, 7)
    torch.testing.assert_close(a, b, rtol=1e-6, atol=1e-6)


def test_mae_loss_matches_torch_l1_loss_and_its_gradient():
    import torch

    from neurocast.models.deep._mae_loss import mae_loss

    torch.manual_seed(0)
    base, target = torch.randn(6, 40), torch.randn(6, 40)
    target[0, :5] = base[0, :5]  # zero differences: sign 0, as in l1_loss's gradient
    out = []
    for loss_fn in (mae_loss, torch.nn.functional.l1_loss):
        y = base.clone().t().requires_grad_(True)  # a transposed layout, as in training
        loss = loss_fn(y, target.t())
        loss.backward()
        out.append((loss.detach(), y.grad))
    torch.testing.assert_close(out[0][0], out[1][0], rtol=1e-6, atol=0)
    assert torch.equal(out[0][1], out[1][1]) and (out[0][1] == 0).sum() == 5


@pytest.mark.parametrize("chunk", [None, 37])
@pytest.mark.parametrize("arch", ["linear", "timemix", "tsmixer", "tsmixer-revin"])
def test_own_gradients_equal_autograds(arch, chunk, monkeypatch):
    """The nets that compute their own gradient (mae_step) give autograd's loss and gradients
    of mae_loss, also summed over micro-batches, with RevIN, and with the output layer taken
    in column chunks (37 columns: several chunks and a short last one); ties (zero error, zero
    ReLU input) get autograd's zero gradient."""
    import torch

    from neurocast.models.deep import _net_mixer
    from neurocast.models.deep._mae_loss import mae_loss
    from neurocast.models.deep._net_mixer import LinearNet, MixerNet

    if chunk:
        monkeypatch.setattr(_net_mixer, "_CHUNK", chunk)

    torch.manual_seed(0)
    n, c, h = 30, 6, 8
    net = LinearNet(c, h) if arch == "linear" else MixerNet(
        n, c, h, blocks=3, feature_width=0 if arch == "timemix" else 16, revin=arch == "tsmixer-revin")
    frames = torch.randn(c + h, 7, n)  # time-major, as the training loop gathers windows
    win = frames.transpose(0, 1)
    x, target = win[:, :c], win[:, c:]
    # Both sides run the same micro-batches (4 + 3 windows; autograd sums them in .grad): a
    # window's forecast may differ in its last bits with the batch it is computed in (BLAS may
    # split a matrix product otherwise for another number of rows: MKL_CBWR=COMPATIBLE on two
    # threads does), and the ties below must be exact zeros on both sides.
    parts = (slice(0, 4), slice(4, None))
    with torch.no_grad():
        target[2] = net(x[parts[0]])[2]  # a window forecast exactly: zero errors, whose sign is 0
    count = target.numel()
    auto = sum(mae_loss(net(x[s]), target[s], count) for s in parts)
    auto.backward()
    expected = {k: p.grad.clone() for k, p in net.named_parameters()}
    net.zero_grad(set_to_none=True)
    own = sum(net.mae_step(x[s], None, target[s], count) for s in parts)
    torch.testing.assert_close(own, auto.detach(), rtol=1e-6, atol=0)
    for k, p in net.named_parameters():
        torch.testing.assert_close(p.grad, expected[k], rtol=1e-5, atol=1e-7, msg=k)
        assert p.grad.is_contiguous()
    assert not any(p.grad is None for p in net.parameters())


@pytest.mark.parametrize("name", ["linear-mae", "timemix", "tsmixer", "population"])
def test_training_loop_learns_what_a_plain_pytorch_loop_learns(name, sine_data, dd):
    """train_network's shortcuts (the one-node MAE, the nets' own gradients, the lean AdamW,
    time-major gathering into a reused buffer) change nothing: the same weights as the plain loop
    (batches indexed from the frames, l1_loss, backward, torch.optim.AdamW(fused=True)), up to
    float32 sums ordered otherwise (below)."""
    import torch

    from neurocast.models.deep._training import torch_settings, train_network

    x, _, proto = sine_data
    train, val = dd.split(x + np.random.default_rng(1).normal(0, 0.1, x.shape).astype(np.float32), proto)
    m = dd.model(name, max_steps=40, val_every=1000, seed=2)
    tc = m.cfg.train
    tr = WindowStream(train, budget_bytes=1e9, what="train")
    va = WindowStream(val, budget_bytes=1e9, what="val")
    # one thread, as fit() uses for such batches (two spin-wait on a loaded machine)
    nets = []
    with torch_settings(1):
        for _ in range(2):
            torch.manual_seed(tc.seed)
            net = m.build_net(tr.context, tr.n_neurons, 0)
            m.prepare(net, tr)
            nets.append(net)
        with torch.random.fork_rng():
            train_network(nets[0], tr, va, tc, device="cpu")
        ref = nets[1]
        opt = torch.optim.AdamW(ref.parameters(), lr=tc.learning_rate, weight_decay=tc.weight_decay, fused=True)
        frames = torch.from_numpy(tr.load(0)[0])
        rng, step = np.random.default_rng(tc.seed), 0
        while step < tc.max_steps:
            for _, starts in tr.batches(tc.batch_size, rng):
                # time-major (C + H, b, N), as the loop gathers: float sums may depend on the layout
                idx = torch.arange(tr.context + tr.horizon)[:, None] + torch.from_numpy(starts)
                win = frames[idx].transpose(0, 1)
                loss = torch.nn.functional.l1_loss(ref(win[:, :tr.context]), win[:, tr.context:])
                opt.zero_grad()
                loss.backward()
                opt.step()
                step += 1
                if step == tc.max_steps:
                    break
    ours, theirs = nets[0].state_dict(), ref.state_dict()
    # The two loops compute the same sums, but not always in the same order, and which order a
    # sum takes depends on the CPU and its BLAS kernel, not only on the code: the nets' own
    # gradients (linear-mae, timemix, tsmixer) multiply in other memory layouts than autograd;
    # population's forecast is a (b, H, N) view of neuron-major memory, so the gradient reaches
    # its skip layer's bias in another order than l1_loss's. Bit for bit on one CPU (Xeon) but
    # for that bias (1 ulp); on another (AMD EPYC) tsmixer differs by up to 2.2e-7 after the
    # run; with MKL_CBWR=COMPATIBLE (another MKL kernel) timemix differs too, and tsmixer by up
    # to 8.6e-7. So: equal within 1e-5, on weights of order 0.1-1. A wrong gradient, scale or
    # step moves weights by about the learning rate (1e-2) per step, 10^3 times more.
    for k in ours:
        torch.testing.assert_close(ours[k], theirs[k], rtol=1e-5, atol=1e-5, msg=k)


@pytest.mark.parametrize("name", ["timemix", "tsmixer", "tide", "population"])
def test_micro_batches_give_the_gradients_and_weights_of_whole_batches(name, sine_data, dd):
    """A batch run as micro-batches (a small activation budget) gets the whole batch's
    gradient at every step, up to float rounding, and so the same weights: the micro-batch
    losses are scaled by the whole batch's element count and every micro-batch is summed in.
    (AdamW's step hides a scaled gradient, so the gradients themselves are compared.)"""
    import torch

    from neurocast.models.deep._training import activation_bytes, torch_settings, train_network

    x, stim, proto = sine_data
    train, val = dd.split(x + np.random.default_rng(1).normal(0, 0.1, x.shape).astype(np.float32), proto, stim)
    uses_stim = name == "tide"
    tr = WindowStream(train, budget_bytes=1e9, what="train", with_stimulus=uses_stim)
    va = WindowStream(val, budget_bytes=1e9, what="val", with_stimulus=uses_stim)
    m = dd.model(name, max_steps=20, val_every=10, seed=2, arch=SMALL.get(name))
    runs = {}
    with torch_settings(1):
        torch.manual_seed(0)
        probe = m.build_net(tr.context, tr.n_neurons, tr.n_covariates)
        window = activation_bytes(probe, tr.context, tr.n_neurons, tr.horizon, tr.n_covariates, "cpu")
        assert window > 4 * tr.n_neurons * (tr.context + tr.horizon)  # at least the window itself
        # budgets for whole batches of 8, micro-batches of 3 (3 + 3 + 2) and of 1
        for budget in (1.0, 3.5 * 2 * window / 2**30, 1.5 * 2 * window / 2**30):
            tc = dataclasses.replace(m.cfg.train, activation_budget_gb=budget)
            torch.manual_seed(tc.seed)
            net = m.build_net(tr.context, tr.n_neurons, tr.n_covariates)
            m.prepare(net, tr)
            grads = []

            def keep(step, net=net, grads=grads):  # after the step; its gradients are still held
                if step <= 3:
                    grads.append([p.grad.clone() for p in net.parameters()])

            result = train_network(net, tr, va, tc, device="cpu", on_step=keep)
            runs[result.micro_batch] = (grads, net.state_dict(), result.val_history)
    assert sorted(runs) == [1, 3, 8]
    whole_grads, whole_state, whole_val = runs[8]
    for micro in (1, 3):
        grads, state, val_history = runs[micro]
        for step_whole, step_micro in zip(whole_grads, grads, strict=True):
            for g0, g1 in zip(step_whole, step_micro, strict=True):
                # float32 sums in another order, which also depends on the CPU's vector width
                # (ATEN_CPU_CAPABILITY=default: population's embedding gradient off by 2.2e-5 of
                # its largest element; AVX2: 0.5e-5), so errors up to 1e-4 of the gradient's
                # scale: a micro-batch left out or scaled wrongly errs by ~1e-1 of it
                torch.testing.assert_close(g1, g0, rtol=1e-5, atol=1e-4 * float(g0.abs().max()))
        for k in whole_state:  # AdamW can turn a rounding difference of a near-zero gradient
            # into a step of lr (1e-2 here) in the worst case; it does far less
            torch.testing.assert_close(state[k], whole_state[k], rtol=1e-4, atol=2e-4)
        np.testing.assert_allclose(np.array(val_history), np.array(whole_val), rtol=1e-5)


def test_activation_bytes_grow_with_the_neurons():
    import torch

    from neurocast.models import get_model
    from neurocast.models.deep._training import activation_bytes, micro_batch_size

    m = get_model("timemix", horizon=4)
    sizes = []
    for n in (1000, 2000):
        torch.manual_seed(0)
        sizes.append(activation_bytes(m.build_net(8, n, 0), 8, n, 4, 0, "cpu"))
    # 5 blocks keep their input and ReLU output, (8, n) floats each: at least 10 · 32 n bytes
    assert sizes[0] >= 10 * 32 * 1000 and sizes[1] == pytest.approx(2 * sizes[0], rel=0.02)
    tc = m.cfg.train
    assert micro_batch_size(tc, 1) == tc.batch_size  # tiny activations: the whole batch
    assert micro_batch_size(dataclasses.replace(tc, activation_budget_gb=1e-6), 10**6) == 1


@pytest.mark.parametrize("name", SAMPLED)
def test_training_on_neuron_samples_forecasts_every_neuron(name, dd):
    """With train_neurons = M < N each step sees M distinct random neurons (population: their
    own embeddings), validation the same M neurons each time, prediction every neuron; the same
    seed gives the same weights, and the sampled training still learns every neuron's sines."""
    x = dd.sines(n=40)
    proto = dd.protocol(x.shape[0])
    train, val = dd.split(x, proto, dd.stimulus_for(x.shape[0]))
    baseline = dd.train_mae(MeanForecaster(horizon=4), train)
    seen = []

    def fit(seed):
        m = dd.model(name, max_steps=300, seed=seed, arch={**SMALL.get(name, {}), "train_neurons": 10})
        build = m.build_net

        def recording_build(*args):
            net = build(*args)
            forward, step = net.forward, getattr(net, "mae_step", None)

            def record(x, neurons):
                seen.append((net.training, x.shape[2], None if neurons is None else neurons.numpy()))

            def recording_forward(x, future=None, neurons=None):
                record(x, neurons)
                return forward(x, future, neurons)

            def recording_step(x, future, target, count, neurons=None):  # nets with their own gradient
                record(x, neurons)
                return step(x, future, target, count, neurons=neurons)

            net.forward = recording_forward
            if step is not None:
                net.mae_step = recording_step
            return net

        m.build_net = recording_build
        return m.fit(train, val)

    a = fit(3)
    probe, *training = [s for s in seen if s[0] and s[2] is not None]
    np.testing.assert_array_equal(probe[2], np.arange(10))  # activation_bytes' probe
    assert len(training) == 300 and all(width == 10 for _, width, _ in training)
    assert all(len(np.unique(idx)) == 10 and idx.max() < 40 for _, _, idx in training)
    assert len(np.unique(np.concatenate([idx for _, _, idx in training]))) == 40
    # validation: the same 10 neurons each time; prediction: every neuron, in order
    validations = [idx for is_training, _, idx in seen if not is_training]
    assert len(validations) >= 300 // 50 and len(np.unique(validations[0])) == 10
    assert all(np.array_equal(idx, validations[0]) for idx in validations)
    assert a.fitted["best_val_mae"] < 0.25 * baseline
    seen.clear()
    first, ctx, _ = next(train[0].windows(train[0].load(), 1))
    assert a.predict(ctx, train[0].meta(first, 1)).shape == (1, 4, 40)
    assert seen and all(width == 40 and idx is None for _, width, idx in seen)
    assert dd.train_mae(a, train) < 0.25 * baseline
    b = fit(3)
    sa, sb = a.net.state_dict(), b.net.state_dict()
    assert all(np.array_equal(sa[k].numpy(), sb[k].numpy()) for k in sa)


@pytest.mark.parametrize("name", SAMPLED)
def test_every_neuron_is_used_when_there_are_no_more_than_the_sample(name, sine_data, dd):
    x, stim, proto = sine_data  # 12 neurons
    train, val = dd.split(x, proto, stim)
    runs = [dd.model(name, max_steps=30, seed=1, arch={**SMALL.get(name, {}), "train_neurons": m}).fit(train, val)
            for m in (0, 12, 100)]
    states = [r.net.state_dict() for r in runs]
    assert all(np.array_equal(states[0][k].numpy(), s[k].numpy()) for s in states[1:] for k in s)
    with pytest.raises(ConfigError, match="train_neurons"):
        dd.model(name, arch={"train_neurons": -1})


def test_tsmixer_mixes_neurons_and_so_trains_on_all_of_them(dd):
    x = dd.sines(n=40)
    m = dd.model("tsmixer", max_steps=5).fit(*dd.split(x, dd.protocol(x.shape[0])))
    assert m.net.train_neurons == 0 and not hasattr(m.cfg, "train_neurons")


def test_predicting_from_a_read_only_context_warns_nothing(sine_data, dd):
    import warnings

    x, _, proto = sine_data
    m = dd.model("linear-mae", max_steps=10).fit(*dd.split(x, proto))
    ctx = x[None, 100:104].copy()
    ctx.setflags(write=False)  # as a memory-mapped or zarr-read array arrives
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        forecast = m.predict(ctx)
    np.testing.assert_array_equal(forecast, m.predict(ctx.copy()))


def test_ctrl_c_ends_training_with_the_best_weights_so_far(sine_data, dd, capsys):
    """Interrupted after two validations, training keeps the weights of the better one, as a run
    that stopped there would; before any validation there is nothing to keep and it propagates."""
    import torch

    from neurocast.models.deep._training import torch_settings, train_network

    x, _, proto = sine_data
    train, val = dd.split(x, proto)
    tr = WindowStream(train, budget_bytes=1e9, what="train")
    va = WindowStream(val, budget_bytes=1e9, what="val")
    m = dd.model("timemix", max_steps=20, val_every=5, seed=2)

    def fit(cfg, on_step=None):
        torch.manual_seed(cfg.seed)
        net = m.build_net(tr.context, tr.n_neurons, tr.n_covariates)
        m.prepare(net, tr)
        return net, train_network(net, tr, va, cfg, device="cpu", on_step=on_step)

    def interrupt_at(k):
        def on_step(step):
            if step == k:
                raise KeyboardInterrupt
        return on_step

    with torch_settings(1):
        stopped, r_stopped = fit(dataclasses.replace(m.cfg.train, max_steps=10))
        net, result = fit(m.cfg.train, interrupt_at(12))
        with pytest.raises(KeyboardInterrupt):
            fit(m.cfg.train, interrupt_at(3))
    assert result.stopped_by == "interrupted" and result.steps == 12
    assert (result.best_step, result.best_val_mae) == (r_stopped.best_step, r_stopped.best_val_mae)
    assert len(result.val_history) == 2
    for k, t in stopped.state_dict().items():
        assert torch.equal(net.state_dict()[k], t), k
    assert "interrupted at step 12" in capsys.readouterr().err


@pytest.mark.parametrize("budget", [1e9, 6e3])  # resident, and streamed in blocks
def test_windows_of_a_neuron_sample_are_those_columns_of_the_whole_windows(budget, dd):
    """Gathering only the sampled neurons gives exactly the sampled columns of every window
    (context, target and the shared covariates), in the sample's order."""
    import torch

    from neurocast.models.deep._training import _Tensors

    x = dd.sines(n=40) + np.arange(40, dtype=np.float32)  # every column distinct
    proto = dd.protocol(x.shape[0])
    train, _ = dd.split(x, proto, dd.stimulus_for(x.shape[0]))
    stream = WindowStream(train, budget_bytes=budget, what="train", with_stimulus=True)
    whole, part = _Tensors(torch, stream, "cpu"), _Tensors(torch, stream, "cpu")
    neurons = torch.tensor([0, 3, 17, 18, 39])
    rng = np.random.default_rng(0)
    n_blocks = 0
    for b, starts in stream.batches(8, rng):
        n_blocks = max(n_blocks, b + 1)
        ctx, tgt, fut = (t.clone() for t in whole.windows(b, starts))
        c, t, f = part.windows(b, starts, neurons)
        assert c.shape == (len(starts), proto.context, 5) and t.shape[2] == 5
        torch.testing.assert_close(c, ctx[:, :, neurons], rtol=0, atol=0)
        torch.testing.assert_close(t, tgt[:, :, neurons], rtol=0, atol=0)
        torch.testing.assert_close(f, fut, rtol=0, atol=0)
    assert (n_blocks > 1) == (budget < 1e9)


def test_a_batch_larger_than_the_train_windows_is_refused_and_epochs_count_windows(sine_data, dd):
    x, _, proto = sine_data
    train, val = dd.split(x, proto)
    windows = sum(s.n_windows for s in train)
    with pytest.raises(FormatError, match=f"fewer train windows in all than one batch of {windows + 1} "
                       rf"\({windows} windows") as err:
        dd.model("linear-mae", batch_size=windows + 1, max_steps=5).fit(train, val)
    assert "smaller batch_size" in err.value.hint
    m = dd.model("linear-mae", batch_size=8, max_steps=2 * windows // 8 + 3, val_every=10)
    m.fit(train, val)  # a little more than two epochs
    assert m.fitted["epochs"] == pytest.approx(m.fitted["steps"] * 8 / windows, abs=1e-3)
    assert m.fitted["epochs"] > 2


def test_without_a_step_cap_early_stopping_ends_training(sine_data, dd, monkeypatch):
    """Training ends at the validation where EarlyStopping says stop, with the weights of the
    lowest val MAE."""
    from neurocast.models.deep._training import EarlyStopping

    seen = []
    update = EarlyStopping.update

    def recording(self, val_mae):
        seen.append((val_mae, *update(self, val_mae)))
        return seen[-1][1:]

    monkeypatch.setattr(EarlyStopping, "update", recording)
    x, _, proto = sine_data
    train, val = dd.split(x, proto)
    m = dd.model("linear-mae", max_steps=None, learning_rate=0.3, val_every=10, patience=2)
    m.fit(train, val)
    assert m.cfg.train.max_steps is None and m.fitted["stopped_by"] == "early stopping"
    stops = [stop for _, _, stop in seen]
    assert stops[-1] and not any(stops[:-1]) and len(seen) >= 4
    assert m.fitted["steps"] == 10 * len(seen)
    vals = [v for v, _, _ in seen]
    assert m.fitted["best_step"] == 10 * (int(np.argmin(vals)) + 1)
    assert m.fitted["best_val_mae"] == min(vals)


def test_own_gradients_only_when_nothing_changes_the_forward_pass():
    """A subclass with its own forward, a forward hook or a parametrized weight trains through
    autograd: mae_step would bypass them."""
    import torch
    from torch.nn.utils import parametrize

    from neurocast.models.deep._net_mixer import LinearNet, MixerNet
    from neurocast.models.deep._training import own_gradient_step

    class Shifted(LinearNet):
        def forward(self, x, future=None, neurons=None):
            return super().forward(x) + 1.0

    class Positive(torch.nn.Module):
        def forward(self, w):
            return w.abs()

    assert own_gradient_step(LinearNet(4, 8)) is not None
    assert own_gradient_step(MixerNet(6, 4, 8, blocks=1, feature_width=3, revin=False)) is not None
    assert own_gradient_step(Shifted(4, 8)) is None
    hooked = MixerNet(6, 4, 8, blocks=1, feature_width=3, revin=False)
    hooked.feature[0][0].register_forward_hook(lambda *a: None)
    assert own_gradient_step(hooked) is None
    param = LinearNet(4, 8)
    parametrize.register_parametrization(param, "weight", Positive())
    assert own_gradient_step(param) is None
    assert own_gradient_step(torch.nn.Linear(3, 3)) is None


def test_early_stopping_follows_zapbench():
    """ZAPBench's EarlyStoppingWithStep and TrackBestStep: a validation improves only by more
    than min_delta on the value that last reset the count, training stops at the
    (patience + 1)-th validation in a row that does not, and the weights kept are those of the
    lowest val MAE, even one that improved by less than min_delta."""
    from neurocast.models.deep._training import EarlyStopping

    stop = EarlyStopping(patience=2, min_delta=0.1)
    vals = [1.0, 0.95, 0.92, 0.5, 0.49, 0.48, 0.47, 0.46]
    out = [stop.update(v) for v in vals[:7]]
    assert [best for best, _ in out] == [True] * 7  # each is the lowest so far
    assert [s for _, s in out] == [False, False, False, False, False, False, True]
    assert stop.best == 0.47 and stop.reference == 0.5
    again = EarlyStopping(patience=0, min_delta=0.0)
    assert again.update(1.0) == (True, False) and again.update(1.0) == (False, True)
