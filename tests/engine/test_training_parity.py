"""One training update (loss, BPTT, clip, optimiser step) equals PyTorch's: against golden fixtures written by
scripts/make_train_golden.py (no torch needed) and against torch live."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from train_reference import OPTIMISER_CASES, make_case, torch_train

from lstmviz.engine import Network
from lstmviz.engine.optim import make_optimizer
from lstmviz.engine.training import Batch, train

GOLDEN = Path(__file__).resolve().parents[1] / "fixtures" / "train_golden.npz"
GOLDEN_CASES = [("lstm", "mse", 11), ("gru", "cross-entropy", 12)]
CLIPS = {"noclip": None, "clip": 0.5}


def engine_train(
    case: dict[str, Any], optimiser: str, options: dict[str, Any], clip: float | None
) -> list[tuple[float, dict[str, np.ndarray]]]:
    params = case["params"]
    net = Network(case["cell"], params["weight_ih_l0"].shape[1], case["hidden"], case["layers"], params=params)
    batches = [Batch(x, target, mask) for x, target, mask in case["batches"]]
    opt = make_optimizer(optimiser, **options)
    return [
        (m.loss, dict(n.params))
        for n, _, m in train(net, opt, None, batches, case["loss"], updates=len(batches), clip=clip)
    ]


@pytest.mark.parametrize("cell,loss,seed", GOLDEN_CASES)
@pytest.mark.parametrize("name", list(OPTIMISER_CASES))
@pytest.mark.parametrize("clip_name", list(CLIPS))
def test_updates_match_golden_fixtures(cell: str, loss: str, seed: int, name: str, clip_name: str) -> None:
    case = make_case(seed, cell, loss)
    optimiser, options = OPTIMISER_CASES[name]
    results = engine_train(case, optimiser, options, CLIPS[clip_name])
    prefix = f"{cell}-{loss}-{name}/{clip_name}"
    with np.load(GOLDEN, allow_pickle=False) as golden:
        assert np.abs(np.array([v for v, _ in results]) - golden[f"{prefix}/loss"]).max() <= 1e-12
        final = results[-1][1]
        for key, value in final.items():
            assert np.abs(value - golden[f"{prefix}/{key}"]).max() <= 1e-10, key
        # the updates really moved the parameters (a no-op optimiser would fail above, but say it plainly)
        assert np.abs(final["weight_hh_l0"] - case["params"]["weight_hh_l0"]).max() > 1e-4


def test_clipping_changes_the_result() -> None:
    """The clip cases differ from the unclipped ones in the fixture, so clipping is really exercised."""
    with np.load(GOLDEN, allow_pickle=False) as golden:
        a = golden["lstm-mse-adam/clip/weight_hh_l0"]
        b = golden["lstm-mse-adam/noclip/weight_hh_l0"]
        assert np.abs(a - b).max() > 1e-6


@pytest.mark.torch
@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize("loss", ["mse", "cross-entropy"])
@pytest.mark.parametrize("name", list(OPTIMISER_CASES))
@pytest.mark.parametrize("clip", [None, 0.3, 100.0])
def test_updates_match_torch_live(cell: str, loss: str, name: str, clip: float | None) -> None:
    torch = pytest.importorskip("torch")
    case = make_case(7, cell, loss, batch=5, steps=7, inputs=3, hidden=6, outputs=4, updates=2)
    optimiser, options = OPTIMISER_CASES[name]
    ours = engine_train(case, optimiser, options, clip)
    theirs = torch_train(torch, case, optimiser, options, clip)
    for (loss_ours, params_ours), (loss_theirs, params_theirs) in zip(ours, theirs, strict=True):
        assert loss_ours == pytest.approx(loss_theirs, abs=1e-12)
        for key, value in params_theirs.items():
            assert np.abs(params_ours[key] - value).max() <= 1e-10, key
