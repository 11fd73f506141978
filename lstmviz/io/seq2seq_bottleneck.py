"""The bottleneck, measured: free-running accuracy of a trained token model against the source length.

Everything the decoder knows about the source passes through the fixed-size context vector (L * H numbers, twice
that for an LSTM's h and C). As sources grow past the length a model was trained on, more information has to fit in
the same numbers, and accuracy falls. :func:`measure_bottleneck` decodes fresh random sources of each length
(free-running, output length = source length) and scores per-token and whole-sequence accuracy; the figure is drawn
by :func:`lstmviz.io.seq2seq_figures.render_bottleneck_figure`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..engine.errors import EngineError
from ..engine.seq2seq import Seq2Seq
from ..engine.seq2seq_batch import decode_free
from .seq2seq_tasks import Seq2SeqTask, sequence_accuracy, token_accuracy

__all__ = ["BottleneckCurve", "default_lengths", "measure_bottleneck"]


def default_lengths(trained: int) -> list[int]:
    """Source lengths to measure for a model trained on ``trained``: half of it, then up to three times it."""
    return sorted({max(1, trained // 2), trained, *range(trained, 3 * trained + 1, max(1, trained // 2))})


@dataclass(frozen=True)
class BottleneckCurve:
    """Accuracy per source length, with what the figure has to state: the context size and the trained length."""

    task: str
    lengths: tuple[int, ...]
    token_accuracy: tuple[float, ...]
    sequence_accuracy: tuple[float, ...]
    samples: int
    context_size: int
    hidden_size: int
    num_layers: int
    cell: str
    trained_length: int | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "task": self.task,
            "lengths": list(self.lengths),
            "token_accuracy": list(self.token_accuracy),
            "sequence_accuracy": list(self.sequence_accuracy),
            "samples": self.samples,
            "context_size": self.context_size,
            "hidden_size": self.hidden_size,
            "num_layers": self.num_layers,
            "cell": self.cell,
            "trained_length": self.trained_length,
        }


def measure_bottleneck(
    model: Seq2Seq,
    task: Seq2SeqTask,
    lengths: Sequence[int],
    *,
    samples: int = 256,
    seed: int = 0,
    trained_length: int | None = None,
) -> BottleneckCurve:
    """Per-token and whole-sequence accuracy of free-running decoding at each source length (fresh sources)."""
    if not model.tokens or model.vocab_size != task.vocab_size:
        raise EngineError(f"the {task.name} task needs a token model with {task.vocab_size} tokens")
    if samples < 1 or not lengths or min(lengths) < 1:
        raise EngineError("give at least one length of at least 1 step and at least one sample")
    rng = np.random.default_rng(seed)
    tokens, sequences = [], []
    for length in lengths:
        batch = task.batch(rng, samples, int(length))
        predicted = decode_free(model, batch.source, int(length))
        tokens.append(token_accuracy(predicted, batch.target))
        sequences.append(sequence_accuracy(predicted, batch.target))
    return BottleneckCurve(
        task.name,
        tuple(int(n) for n in lengths),
        tuple(tokens),
        tuple(sequences),
        samples,
        model.context_size,
        model.hidden_size,
        model.num_layers,
        model.encoder.cell,
        trained_length,
    )
