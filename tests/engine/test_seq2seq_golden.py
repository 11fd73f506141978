"""The encoder-decoder against golden fixtures written from PyTorch by scripts/make_seq2seq_golden.py (no torch)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from test_engine_golden import unpack  # tests/engine is on the path: conftest.py

from lstmviz.engine.seq2seq_batch import loss_and_gradients
from lstmviz.io.seq2seq_weights import seq2seq_from_state_dict

FIXTURES = sorted((Path(__file__).resolve().parents[1] / "fixtures").glob("seq2seq_golden_*.npz"))
TOL = 1e-10


def _case(path: Path):
    arrays, meta = unpack(path)
    params = {k[len("param/") :]: v for k, v in arrays.items() if k.startswith("param/")}
    model = seq2seq_from_state_dict(params, {}, path.name, inputs=str(meta["inputs"])).model
    tokens = meta["inputs"] == "tokens"
    convert = (lambda a: a.astype(np.int64)) if tokens else (lambda a: a)
    return model, arrays, meta, convert


def test_fixtures_cover_every_cell_and_input_kind() -> None:
    kinds = {(unpack(p)[1]["cell"], unpack(p)[1]["inputs"]) for p in FIXTURES}
    assert {cell for cell, _ in kinds} == {"lstm", "gru", "rnn"}
    assert {inputs for _, inputs in kinds} == {"tokens", "numbers"}
    assert all(path.stat().st_size < 16_000 for path in FIXTURES)


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_teacher_forcing_and_free_running_match_golden(path: Path) -> None:
    model, arrays, meta, convert = _case(path)
    source, target = convert(arrays["source"]), convert(arrays["target"])
    teacher = model.run(source, target)
    top = model.num_layers - 1
    assert np.abs(teacher["dec_y"] - arrays["teacher/logits"]).max() < TOL
    assert np.abs(teacher[f"enc_h_l{top}"] - arrays["teacher/enc_h_top"]).max() < TOL
    assert np.abs(teacher[f"dec_h_l{top}"] - arrays["teacher/dec_h_top"]).max() < TOL
    assert np.abs(teacher["context_h"] - arrays["teacher/context_h"]).max() < TOL
    if "teacher/context_c" in arrays:
        assert np.abs(teacher["context_c"] - arrays["teacher/context_c"]).max() < TOL
    free = model.run(source, steps=int(meta["free_steps"]))
    assert np.abs(free["dec_y"] - arrays["free/logits"]).max() < TOL
    assert np.abs(free[f"dec_h_l{top}"] - arrays["free/dec_h_top"]).max() < TOL


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_bptt_matches_golden_autograd(path: Path) -> None:
    model, arrays, _, convert = _case(path)
    grads = loss_and_gradients(model, convert(arrays["batch/source"]), convert(arrays["batch/target"]))
    assert abs(grads.loss - float(arrays["loss"])) < 1e-12
    expected = {k[len("grad/") :]: v for k, v in arrays.items() if k.startswith("grad/")}
    assert set(expected) == set(grads.params)
    for name, value in expected.items():
        np.testing.assert_allclose(grads.params[name], value, rtol=0, atol=TOL, err_msg=name)
