"""Write the encoder-decoder golden fixtures tests/fixtures/seq2seq_golden_*.npz from PyTorch (by hand: needs torch).

Each file holds one small case, packed like the single-network fixtures (:func:`make_golden.pack`): the parameters
of a torch encoder-decoder (tests/engine/seq2seq_reference.py, torch's own initialisation) under their state_dict
names (prefixed ``param/``), one source and target, torch's teacher-forced outputs (``teacher/logits``,
``teacher/enc_h_top``, ``teacher/dec_h_top``, ``teacher/context_h``, ``teacher/context_c``), its free-running outputs
(``free/logits``, ``free/dec_h_top``), and for a batch of two (``batch/source``, ``batch/target``) the teacher-forced
loss and autograd's gradient of every parameter (``grad/<name>``), with ``meta`` (a JSON string). The engine's tests
compare against these without torch. The output is byte-for-byte reproducible.

    .venv/bin/python scripts/make_seq2seq_golden.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "engine"))

from make_golden import pack  # noqa: E402
from seq2seq_reference import make_module, torch_free, torch_teacher  # noqa: E402

CASES = [
    # name, cell, activation, inputs (embedded, one-hot, numbers)
    ("lstm_embedded", "lstm", "tanh", "embedded"),
    ("gru_one_hot", "gru", "tanh", "one-hot"),
    ("rnn_numbers", "rnn", "tanh", "numbers"),
    ("lstm_numbers", "lstm", "tanh", "numbers"),
]
H, LAYERS, VOCAB, EMBED, WIDTH, T_ENC, T_DEC, FREE_STEPS = 4, 2, 6, 3, 2, 5, 4, 6


def make_case(name: str, cell: str, activation: str, inputs: str) -> None:
    torch.manual_seed(0)
    rng = np.random.default_rng(sum(name.encode()))
    numbers = inputs == "numbers"
    module = make_module(
        torch,
        cell,
        H,
        LAYERS,
        vocab=None if numbers else VOCAB,
        embed=EMBED if inputs == "embedded" else None,
        width=WIDTH,
        nonlinearity=activation,
    )
    params = {k: v.detach().numpy().copy() for k, v in module.state_dict().items()}
    if numbers:
        source, target = rng.standard_normal((T_ENC, WIDTH)), rng.standard_normal((T_DEC, WIDTH))
        batch_source, batch_target = rng.standard_normal((2, T_ENC, WIDTH)), rng.standard_normal((2, T_DEC, WIDTH))
        decoder_inputs = np.concatenate([source[-1:], target[:-1]])
    else:
        source, target = rng.integers(1, VOCAB, T_ENC), rng.integers(1, VOCAB, T_DEC)
        batch_source, batch_target = rng.integers(1, VOCAB, (2, T_ENC)), rng.integers(1, VOCAB, (2, T_DEC))
        decoder_inputs = np.concatenate([[0], target[:-1]])
    out: dict[str, np.ndarray] = {
        "source": source,
        "target": target,
        "batch/source": batch_source,
        "batch/target": batch_target,
    }
    out.update({f"param/{k}": v for k, v in params.items()})
    out.update({f"teacher/{k}": v for k, v in torch_teacher(torch, module, source, decoder_inputs).items()})
    out.update({f"free/{k}": v for k, v in torch_free(torch, module, source, FREE_STEPS).items()})
    src, goal = torch.tensor(batch_source), torch.tensor(batch_target)
    if numbers:
        dec_in = torch.cat([src[:, -1:], goal[:, :-1]], 1)
    else:
        dec_in = torch.cat([torch.zeros((2, 1), dtype=torch.int64), goal[:, :-1]], 1)
    logits, *_ = module(src, dec_in)
    if numbers:
        loss = torch.nn.functional.mse_loss(logits, goal)
    else:
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, VOCAB), goal.reshape(-1))
    loss.backward()
    out["loss"] = np.array(float(loss.detach()))
    out.update({f"grad/{k}": p.grad.numpy().copy() for k, p in module.named_parameters()})
    meta = {
        "cell": cell,
        "activation": activation,
        "inputs": "numbers" if numbers else "tokens",
        "free_steps": FREE_STEPS,
        "torch": torch.__version__,
    }
    path = ROOT / "tests" / "fixtures" / f"seq2seq_golden_{name}.npz"
    np.savez_compressed(path, **pack(out), meta=np.array(json.dumps(meta)))
    print(f"{path.relative_to(ROOT)}: {path.stat().st_size:,} bytes")


def main() -> None:
    torch.set_default_dtype(torch.float64)
    for case in CASES:
        make_case(*case)


if __name__ == "__main__":
    main()
