"""Training an encoder-decoder: it learns to reverse, the bottleneck shows beyond the trained length, and its
updates are torch.optim.Adam's on the equivalent PyTorch module."""

from __future__ import annotations

import numpy as np
import pytest

from lstmviz.engine.optim import make_optimizer
from lstmviz.engine.seq2seq import Seq2Seq
from lstmviz.engine.seq2seq_batch import decode_free
from lstmviz.engine.seq2seq_train import PairBatch, train_seq2seq
from lstmviz.io.seq2seq_bottleneck import measure_bottleneck
from lstmviz.io.seq2seq_tasks import make_task, token_accuracy

REVERSE_UPDATES = 500
"""Adam (lr 0.01, clip 1), batch 32, LSTM H=64 with a 16-wide embedding, seed 0: measured 0.90 free-running
per-token accuracy after about 300 updates and 0.97 after 500."""


@pytest.fixture(scope="module")
def reverse_model() -> Seq2Seq:
    task = make_task("reverse", 10)
    model = Seq2Seq.random(
        "lstm", 64, 1, vocab_size=task.vocab_size, embed_size=16, seed=0, output_activation="identity"
    )
    rng = np.random.default_rng(0)
    batches = (task.batch(rng, 32, 8) for _ in range(REVERSE_UPDATES))
    for trained, _, _ in train_seq2seq(
        model, make_optimizer("adam", 0.01), None, batches, updates=REVERSE_UPDATES, clip=1.0
    ):
        model = trained
    return model


@pytest.mark.slow
def test_reverse_length_8_reaches_90_percent_per_token(reverse_model: Seq2Seq) -> None:
    task = make_task("reverse", 10)
    held_out = task.batch(np.random.default_rng(12345), 500, 8)
    predicted = decode_free(reverse_model, held_out.source, 8)  # free-running: its own outputs fed back
    accuracy = token_accuracy(predicted, held_out.target)
    assert accuracy >= 0.90, accuracy


@pytest.mark.slow
def test_the_bottleneck_accuracy_falls_beyond_the_trained_length(reverse_model: Seq2Seq) -> None:
    curve = measure_bottleneck(
        reverse_model, make_task("reverse", 10), [4, 8, 16, 24], samples=200, seed=3, trained_length=8
    )
    by_length = dict(zip(curve.lengths, curve.token_accuracy, strict=True))
    assert by_length[8] >= 0.9
    assert by_length[16] < by_length[8] - 0.2 and by_length[24] < by_length[8] - 0.2
    assert curve.context_size == 128  # H = 64 numbers of h and 64 of C
    assert all(0.0 <= a <= b <= 1.0 for a, b in zip(curve.sequence_accuracy, curve.token_accuracy, strict=True))


def test_training_loss_falls_and_nothing_is_cached_on_the_model() -> None:
    task = make_task("sort", 5)
    model = Seq2Seq.random("gru", 16, 1, vocab_size=task.vocab_size, seed=1)
    rng = np.random.default_rng(1)
    batches = [task.batch(rng, 16, 4) for _ in range(60)]
    losses = [m.loss for _, _, m in train_seq2seq(model, make_optimizer("adam", 0.02), None, batches, updates=60)]
    assert np.mean(losses[-10:]) < 0.7 * np.mean(losses[:10])
    again = [m.loss for _, _, m in train_seq2seq(model, make_optimizer("adam", 0.02), None, batches, updates=60)]
    assert again == losses  # the same model, optimiser and batches give the same run


@pytest.mark.torch
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_updates_are_torch_adam_on_the_pytorch_module(cell: str) -> None:
    torch = pytest.importorskip("torch")
    from seq2seq_reference import make_module

    model = Seq2Seq.random(cell, 5, 2, vocab_size=6, embed_size=3, seed=3, output_activation="identity")
    module = make_module(torch, cell, 5, 2, vocab=6, embed=3)
    module.load_state_dict({k: torch.tensor(v) for k, v in model.state_dict().items()})
    optimizer = torch.optim.Adam(module.parameters(), lr=0.05)
    rng = np.random.default_rng(4)
    batches = [PairBatch(rng.integers(1, 6, (4, 5)), rng.integers(1, 6, (4, 3))) for _ in range(3)]
    for batch in batches:
        source, target = torch.tensor(batch.source), torch.tensor(batch.target)
        dec_in = torch.cat([torch.zeros((4, 1), dtype=torch.int64), target[:, :-1]], 1)
        logits, *_ = module(source, dec_in)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, 6), target.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(module.parameters(), 1.0)
        optimizer.step()
    for updated, _, _ in train_seq2seq(model, make_optimizer("adam", 0.05), None, batches, updates=3, clip=1.0):
        trained = updated
    for name, tensor in module.state_dict().items():
        np.testing.assert_allclose(trained.state_dict()[name], tensor.numpy(), rtol=0, atol=1e-10, err_msg=name)
