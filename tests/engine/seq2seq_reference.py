"""The PyTorch encoder-decoder that lstmviz's seq2seq files load into (as in docs/seq2seq.md), for the tests.

torch is imported by the caller and passed in, so this module imports without it. ``TorchSeq2Seq`` is built from
torch's own modules (nn.Embedding, nn.LSTM/GRU/RNN, nn.Linear) and decodes the way the documentation says a
PyTorch user would: teacher forcing in one call of the decoder, free-running one step at a time feeding back the
argmax token (tokens) or the output itself (numbers).
"""

from __future__ import annotations

from typing import Any

import numpy as np


def make_module(
    torch: Any,
    cell: str,
    hidden: int,
    layers: int,
    *,
    vocab: int | None = None,
    embed: int | None = None,
    width: int = 1,
    nonlinearity: str = "tanh",
) -> Any:
    """A torch encoder-decoder: ``vocab`` tokens (embedded when ``embed``, else one-hot) or ``width`` numbers."""
    nn = torch.nn

    class TorchSeq2Seq(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            rnn = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}[cell]
            extra = {"nonlinearity": nonlinearity} if cell == "rnn" else {}
            size = embed if embed is not None else (vocab if vocab is not None else width)
            self.embed = nn.Embedding(vocab, embed) if embed is not None else None
            self.encoder = rnn(size, hidden, layers, batch_first=True, **extra)
            self.decoder = rnn(size, hidden, layers, batch_first=True, **extra)
            self.fc = nn.Linear(hidden, vocab if vocab is not None else width)
            self.vocab = vocab

        def inputs(self, tokens_or_values: Any) -> Any:
            if self.vocab is None:
                return tokens_or_values
            if self.embed is not None:
                return self.embed(tokens_or_values)
            return torch.nn.functional.one_hot(tokens_or_values, self.vocab).to(self.fc.weight.dtype)

        def forward(self, source: Any, decoder_inputs: Any) -> tuple[Any, Any, Any, Any]:
            """Teacher forcing: (logits (B, T_dec, O), encoder outputs, context state, decoder outputs)."""
            enc_out, state = self.encoder(self.inputs(source))
            dec_out, _ = self.decoder(self.inputs(decoder_inputs), state)
            return self.fc(dec_out), enc_out, state, dec_out

        def generate(self, source: Any, steps: int) -> tuple[Any, Any, Any]:
            """Free-running: (logits (B, steps, O), decoder outputs, fed-back inputs)."""
            _, state = self.encoder(self.inputs(source))
            if self.vocab is None:
                step_input = source[:, -1:]
            else:
                step_input = torch.zeros((source.shape[0], 1), dtype=torch.int64)
            outputs, hidden_states, fed = [], [], [step_input]
            for _ in range(steps):
                dec_out, state = self.decoder(self.inputs(step_input), state)
                logits = self.fc(dec_out)
                outputs.append(logits)
                hidden_states.append(dec_out)
                step_input = logits.argmax(-1) if self.vocab is not None else logits
                fed.append(step_input)
            return torch.cat(outputs, 1), torch.cat(hidden_states, 1), fed

    return TorchSeq2Seq().double()


def output_activation(torch: Any, name: str, logits: Any) -> Any:
    """The decoder's output activation as lstmviz applies it (identity keeps torch's logits)."""
    return {
        "identity": lambda a: a,
        "softmax": lambda a: torch.softmax(a, dim=-1),
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
    }[name](logits)


def torch_teacher(torch: Any, module: Any, source: np.ndarray, decoder_inputs: np.ndarray) -> dict[str, np.ndarray]:
    """Batch-1 teacher forcing through the torch module, as NumPy: logits, top h of both sides, context."""
    as_tensor = _as_tensor(torch, module)
    with torch.no_grad():
        logits, enc_out, state, dec_out = module(as_tensor(source), as_tensor(decoder_inputs))
    out = {"logits": logits[0].numpy(), "enc_h_top": enc_out[0].numpy(), "dec_h_top": dec_out[0].numpy()}
    if isinstance(state, tuple):
        out["context_h"], out["context_c"] = state[0][:, 0].numpy(), state[1][:, 0].numpy()
    else:
        out["context_h"] = state[:, 0].numpy()
    return out


def torch_free(torch: Any, module: Any, source: np.ndarray, steps: int) -> dict[str, np.ndarray]:
    """Batch-1 free-running decoding through the torch module: logits and the decoder's top h."""
    with torch.no_grad():
        logits, dec_out, fed = module.generate(_as_tensor(torch, module)(source), steps)
    return {"logits": logits[0].numpy(), "dec_h_top": dec_out[0].numpy()}


def _as_tensor(torch: Any, module: Any) -> Any:
    def convert(array: np.ndarray) -> Any:
        if module.vocab is not None:
            return torch.tensor(np.asarray(array, dtype=np.int64))[None]
        return torch.tensor(np.asarray(array, dtype=np.float64))[None]

    return convert
