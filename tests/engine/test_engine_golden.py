"""The engine against golden fixtures written from PyTorch by scripts/make_golden.py: runs without torch."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from lstmviz.engine import Network

FIXTURES = sorted((Path(__file__).resolve().parents[1] / "fixtures").glob("golden_*.npz"))


def unpack(path: Path) -> tuple[dict[str, np.ndarray], dict[str, object]]:
    """The fixture's arrays by name (see make_golden.pack) and its metadata; no pickle involved."""
    with np.load(path, allow_pickle=False) as data:
        values, index, meta = data["values"], json.loads(str(data["index"])), json.loads(str(data["meta"]))
    arrays = {}
    for key, shape, offset in index:
        size = int(np.prod(shape)) if shape else 1
        arrays[key] = values[offset : offset + size].reshape(shape)
    return arrays, meta


def _case(path: Path) -> tuple[Network, dict[str, np.ndarray], dict[str, object]]:
    arrays, meta = unpack(path)
    params = {k[len("param/") :]: v for k, v in arrays.items() if k.startswith("param/")}
    hidden = params["weight_hh_l0"].shape[1]
    net = Network(
        str(meta["cell"]),
        arrays["x"].shape[1],
        hidden,
        int(meta["layers"]),  # type: ignore[call-overload]
        nonlinearity=str(meta["activation"]),
        output_activation=str(meta["output_activation"]),
        params=params,
    )
    return net, arrays, meta


def test_fixtures_are_present_and_small() -> None:
    assert len(FIXTURES) >= 6
    assert all(path.stat().st_size < 12_000 for path in FIXTURES)


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_forward_matches_golden(path: Path) -> None:
    net, arrays, _ = _case(path)
    trace = net.run(arrays["x"], arrays["h0"], arrays["c0"])
    keys = [k for k in trace if k != "x"]
    assert keys and all(k in arrays for k in keys)
    for key in keys:
        assert np.abs(trace[key] - arrays[key]).max() <= 1e-12, key


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_bptt_matches_golden(path: Path) -> None:
    net, arrays, meta = _case(path)
    target = arrays["target"] if meta["loss"] == "mse" else arrays["target"].astype(np.int64)
    grads = net.bptt(
        arrays["x"],
        str(meta["loss"]),
        target=target,
        unit=int(meta["unit"]),
        step=int(meta["step"]),  # type: ignore[call-overload]
        h0=arrays["h0"],
        c0=arrays["c0"],
    )
    assert grads.loss == pytest.approx(float(arrays["loss"]), rel=1e-12)
    expected = {k[len("grad/") :]: v for k, v in arrays.items() if k.startswith("grad/")}
    assert set(grads.parameter_gradients()) == {k for k in expected if k in net.params}
    for key, reference in expected.items():
        scale = max(np.abs(reference).max(), 1e-300)
        assert np.abs(grads[f"grad_{key}"] - reference).max() <= 1e-9 * scale, key
