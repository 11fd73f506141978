"""Properties that hold for any weights: gates in range, saturation without warnings, progressive == run,
initialisers seeded and shaped as documented, clipping, memory refusal, bad arguments refused with EngineError."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lstmviz.engine import EngineError, Network
from lstmviz.engine.init import init_parameters

CELLS = [("lstm", "tanh"), ("gru", "tanh"), ("rnn", "tanh"), ("rnn", "relu"), ("rnn", "sigmoid")]
SIGMOID_GATES = {"lstm": "ifo", "gru": "rz", "rnn": ""}


@settings(max_examples=25, deadline=None)
@given(
    cell=st.sampled_from(CELLS),
    hidden=st.integers(1, 9),
    layers=st.integers(1, 3),
    scale=st.sampled_from([0.1, 1.0, 10.0, 1e3, 1e6]),
    seed=st.integers(0, 2**16),
)
def test_gates_stay_in_range_for_any_weights(
    cell: tuple[str, str], hidden: int, layers: int, scale: float, seed: int
) -> None:
    kind, activation = cell
    net = Network.random(kind, 2, hidden, layers, seed=seed, nonlinearity=activation)
    net = net.with_parameters({k: v * scale for k, v in net.params.items()})
    x = np.random.default_rng(seed).standard_normal((30, 2)) * scale
    trace = net.run(x)  # filterwarnings=error: any overflow warning fails the test
    for k in range(layers):
        for gate in SIGMOID_GATES[kind]:
            values = trace[f"{gate}_l{k}"]
            assert np.all((values >= 0) & (values <= 1))
        h = trace[f"h_l{k}"]
        if activation != "relu":
            assert np.all(np.abs(h) <= 1)
        for key in trace:
            assert np.all(np.isfinite(trace[key])), key


@pytest.mark.parametrize("cell,activation", CELLS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_huge_weights_saturate_to_finite_values_and_gradients(cell: str, activation: str, dtype: type) -> None:
    net = Network.random(
        cell, 3, 4, 2, seed=0, nonlinearity=activation, dtype=dtype, output_size=2, output_activation="softmax"
    )
    net = net.with_parameters({k: np.sign(v) * 1e6 for k, v in net.params.items()})
    x = np.random.default_rng(0).standard_normal((20, 3))
    trace = net.run(x)
    if activation != "relu" or dtype == np.float64:  # relu is unbounded: 1e6 gains overflow float32
        assert all(np.all(np.isfinite(trace[k])) for k in trace)
    if activation != "relu":  # a relu RNN with 1e6 weights grows without bound, as it should
        grads = net.bptt(x, "cross-entropy", target=np.zeros(20, dtype=int))  # no warnings either way
        if dtype == np.float64:  # float32 cannot hold products of 1e6 gains over several steps
            assert all(np.all(np.isfinite(grads[k])) for k in grads)


@pytest.mark.parametrize("cell,activation", CELLS)
@pytest.mark.parametrize("chunk", [1, 7, 64])
def test_progressive_run_fills_every_layer_and_equals_run(cell: str, activation: str, chunk: int) -> None:
    net = Network.random(cell, 2, 6, 3, seed=5, nonlinearity=activation, output_size=2)
    x = np.random.default_rng(1).standard_normal((50, 2))
    full = net.run(x)
    seen = []
    first = None
    for trace, done in net.run_progressive(x, chunk_steps=chunk):
        first = first or trace
        assert trace is first
        seen.append(done)
        for key in full:  # rows before `done` are final, in every layer and in y
            assert np.allclose(trace[key][:done], full[key][:done], rtol=0, atol=1e-14), key
    assert seen == list(range(chunk, 50, chunk)) + [50] or seen == [50]
    same = list(net.run_progressive(x))[-1][0]
    assert all(np.array_equal(same[k], full[k]) for k in full)  # default chunking: identical numbers


def test_progressive_run_can_be_cancelled_and_trace_is_read_only() -> None:
    net = Network.random("lstm", 1, 4, 2, seed=0)
    runs = net.run_progressive(np.zeros(100), chunk_steps=10)
    trace, done = next(runs)
    runs.close()
    assert done == 10 and trace.steps == 100 and trace["h_l1"].shape == (100, 4)
    with pytest.raises(ValueError):
        trace["h_l0"][0, 0] = 1.0


def test_trace_arrays_are_t_by_h() -> None:
    trace = Network.random("lstm", 2, 5, 1).run(np.zeros((7, 2)))
    assert all(trace[f"{g}_l0"].shape == (7, 5) for g in "ifgoch")


def test_a_trace_too_big_for_memory_is_refused_up_front() -> None:
    net = Network.random("lstm", 1, 64, 2)
    with pytest.raises(EngineError, match="GB"):
        net.check_fits_in_memory(10**12)


@pytest.mark.parametrize("scheme", ["pytorch", "xavier", "orthogonal", "zeros"])
def test_initialisers_are_seeded_and_reproducible(scheme: str) -> None:
    a = Network.random("gru", 3, 8, 2, seed=42, init=scheme)
    b = Network.random("gru", 3, 8, 2, seed=42, init=scheme)
    assert all(np.array_equal(a.params[k], b.params[k]) for k in a.params)
    if scheme != "zeros":
        c = Network.random("gru", 3, 8, 2, seed=43, init=scheme)
        assert not np.array_equal(a.params["weight_hh_l0"], c.params["weight_hh_l0"])


def test_pytorch_and_xavier_bounds() -> None:
    hidden, inputs = 16, 5
    torch_like = init_parameters({"weight_ih_l0": (64, inputs)}, hidden, "pytorch", seed=0)["weight_ih_l0"]
    assert np.abs(torch_like).max() <= 1 / np.sqrt(hidden)
    xavier = init_parameters({"weight_ih_l0": (64, inputs), "bias_ih_l0": (64,)}, hidden, "xavier", seed=0)
    bound = np.sqrt(6 / (hidden + inputs))  # per gate block: fan_out H, fan_in D
    assert np.abs(xavier["weight_ih_l0"]).max() <= bound
    assert np.abs(xavier["weight_ih_l0"]).max() > 0.8 * bound
    assert not xavier["bias_ih_l0"].any()


def test_orthogonal_recurrent_blocks() -> None:
    net = Network.random("lstm", 3, 12, 1, init="orthogonal", seed=9)
    w_hh = net.params["weight_hh_l0"]
    for block in range(4):
        q = w_hh[block * 12 : (block + 1) * 12]
        assert np.abs(q.T @ q - np.eye(12)).max() <= 1e-12


def test_clipping_scales_every_parameter_gradient_by_one_factor() -> None:
    net = Network.random("lstm", 2, 4, 2, seed=3, output_size=2)
    x = np.random.default_rng(0).standard_normal((15, 2))
    target = np.ones((15, 2))
    free = net.bptt(x, "mse", target=target)
    norm = np.sqrt(sum(np.sum(g**2) for g in free.parameter_gradients().values()))
    clipped = net.bptt(x, "mse", target=target, clip=norm / 4)
    assert float(clipped["clip_scale"]) == pytest.approx(0.25)
    for name, g in free.parameter_gradients().items():
        assert np.allclose(clipped[f"grad_{name}"], g / 4, rtol=1e-14, atol=0)
    loose = net.bptt(x, "mse", target=target, clip=norm * 2)
    assert float(loose["clip_scale"]) == 1.0
    with pytest.raises(EngineError):
        net.bptt(x, clip=0)


def test_gradients_hold_every_documented_key() -> None:
    net = Network.random("lstm", 2, 3, 2, seed=0)
    grads = net.bptt(np.zeros((6, 2)))
    expected = {"loss", "clip_scale", "grad_h0", "grad_c0"} | {f"grad_{name}" for name in net.params}
    for k in range(2):
        expected |= {f"grad_h_l{k}", f"grad_c_l{k}", f"grad_norm_h_l{k}", f"jacobian_norm_l{k}", f"cec_l{k}"}
    assert set(grads) == expected
    assert grads["grad_norm_h_l1"] == pytest.approx(np.linalg.norm(grads["grad_h_l1"], axis=1))
    assert grads.jacobian_method == "exact"


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_jacobian_estimate_is_a_tight_lower_bound_far_back(cell: str) -> None:
    net = Network.random(cell, 2, 24, 1, seed=1, init="orthogonal")
    x = np.random.default_rng(3).standard_normal((120, 2))
    exact = net.bptt(x, jacobian="exact")["jacobian_norm_l0"]
    estimate = net.bptt(x, jacobian="estimate")
    assert estimate.jacobian_method == "estimate"
    values = estimate["jacobian_norm_l0"]
    assert values[-1] == pytest.approx(1.0)
    assert np.all(values <= exact * (1 + 1e-9))
    assert np.all(values[:60] >= 0.7 * exact[:60])  # power iteration found the dominant direction
    assert "jacobian_norm_l0" not in net.bptt(x, jacobian="none")


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_forward_tangent_is_the_directional_derivative(cell: str) -> None:
    """J_0 w (up to scale) against central differences of h_{T-1} in h_0, C_0 held fixed, by re-running."""
    from lstmviz.engine.bptt import layer_factors
    from lstmviz.engine.jacobian import forward_tangent

    net = Network.random(cell, 2, 5, 1, seed=6, init="orthogonal")
    x = np.random.default_rng(6).standard_normal((10, 2))
    trace = net.run(x)
    w = np.random.default_rng(7).standard_normal(5)
    image = forward_tangent(cell, layer_factors(net, trace, 0), net.params["weight_hh_l0"], w)
    h_0, c_0 = trace["h_l0"][0], trace["c_l0"][0] if cell == "lstm" else None
    eps = 1e-6
    ends = [net.run(x[1:], h0=h_0 + sign * eps * w, c0=c_0)["h_l0"][-1] for sign in (1, -1)]
    numeric = (ends[0] - ends[1]) / (2 * eps)
    assert np.allclose(image / np.linalg.norm(image), numeric / np.linalg.norm(numeric), atol=1e-7)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"loss": "nope"}, "unknown loss"),
        ({"loss": "unit", "unit": 9}, "unit 9"),
        ({"loss": "unit", "step": 40}, "step 40"),
        ({"loss": "unit", "layer": 5}, "layer 5"),
        ({"loss": "mse"}, "target"),
        ({"loss": "mse", "target": np.zeros((3, 3))}, "shape"),
        ({"loss": "cross-entropy", "target": np.full(10, 7)}, "classes"),
        ({"loss": "cross-entropy", "target": np.full(10, 0.5)}, "integer"),
        ({"jacobian": "sometimes"}, "jacobian"),
    ],
)
def test_bad_bptt_requests_are_refused(kwargs: dict[str, object], match: str) -> None:
    net = Network.random("rnn", 1, 4, 1)
    with pytest.raises(EngineError, match=match):
        net.bptt(np.zeros(10), **kwargs)  # type: ignore[arg-type]


def test_bad_inputs_are_refused() -> None:
    net = Network.random("lstm", 2, 3, 2)
    for x in (np.zeros((4, 3)), np.zeros((0, 2)), np.full((4, 2), np.nan), np.zeros((2, 2, 2))):
        with pytest.raises(EngineError):
            net.run(x)
    with pytest.raises(EngineError, match="h0"):
        net.run(np.zeros((4, 2)), h0=np.zeros(5))
    with pytest.raises(EngineError):
        net.run_progressive(np.zeros((4, 2)), chunk_steps=0)
    with pytest.raises(EngineError):  # refused by the call itself, before any chunk
        net.run_progressive(np.zeros((4, 3)))
    other = Network.random("lstm", 2, 3, 1).run(np.zeros((4, 2)))
    with pytest.raises(EngineError, match="trace"):
        net.bptt(np.zeros((4, 2)), trace=other)


@pytest.mark.parametrize("cell,activation", CELLS)
def test_float32_bptt_agrees_with_float64(cell: str, activation: str) -> None:
    net = Network.random(cell, 3, 7, 2, seed=4, nonlinearity=activation, output_size=2, output_activation="tanh")
    x = np.random.default_rng(4).standard_normal((30, 3))
    target = np.random.default_rng(5).standard_normal((30, 2))
    wide = net.bptt(x, "mse", target=target)
    narrow = net.astype(np.float32).bptt(x, "mse", target=target)
    for name, g in wide.parameter_gradients().items():
        assert narrow[f"grad_{name}"].dtype == np.float32
        assert np.abs(narrow[f"grad_{name}"] - g).max() <= 1e-4 * max(np.abs(g).max(), 1e-6), name


def test_vanishing_gradients_flush_to_zero_without_changing_the_rest() -> None:
    """A long run whose gradient underflows: early steps become exactly 0, later ones stay exact."""
    net = Network.random("rnn", 1, 4, 1, seed=0)
    net = net.with_parameter("weight_hh_l0", net.params["weight_hh_l0"] * 0.05)
    x = np.random.default_rng(0).standard_normal(400)
    grads = net.bptt(x, jacobian="none")
    norms = grads["grad_norm_h_l0"]
    assert norms[0] == 0.0 and norms[-1] > 0
    assert np.all(np.isfinite(norms))
    short = net.bptt(x[-50:], h0=net.run(x)["h_l0"][-51][None, :], jacobian="none")
    assert np.allclose(grads["grad_h_l0"][-50:], short["grad_h_l0"], rtol=1e-12, atol=0)


def test_the_trace_owns_its_input() -> None:
    x = np.zeros((5, 2))
    trace = Network.random("gru", 2, 3, 1).run(x)
    x[0, 0] = 1.0
    assert trace["x"][0, 0] == 0.0 and x.flags.writeable


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("loss", ["h-last-sum", "unit", "mse", "cross-entropy"])
def test_one_step_one_unit_and_an_output_layer(cell: str, bias: bool, loss: str) -> None:
    net = Network.random(cell, 2, 1, 2, bias=bias, output_size=1, output_activation="softmax")
    target = np.zeros((1, 1)) if loss == "mse" else np.zeros(1, dtype=int)
    grads = net.bptt(np.ones((1, 2)), loss, target=target)
    assert set(grads.parameter_gradients()) == set(net.params)
    assert grads["jacobian_norm_l0"] == pytest.approx([1.0])
    if loss in ("h-last-sum", "unit"):  # the output layer plays no part
        assert not grads["grad_fc.weight"].any() and not grads["grad_fc.bias"].any()
