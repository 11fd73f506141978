"""The PyTorch module the README and docs/seq2seq.md print, run as written: the file it saves opens in lstmviz,
and lstmviz's numbers are the module's own (teacher forcing through its ``forward``, free-running by its argmax)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pytest

from lstmviz.io.seq2seq_weights import load_seq2seq

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch
ROOT = Path(__file__).resolve().parents[2]


def _documented_module(page: str) -> str:
    """The page's Python block that defines ``class Seq2Seq(nn.Module)``, exactly as printed."""
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / page).read_text(encoding="utf-8"), re.DOTALL)
    (block,) = [b for b in blocks if "class Seq2Seq(nn.Module)" in b]
    return block


def test_the_readme_and_the_seq2seq_page_print_the_same_module() -> None:
    assert _documented_module("README.md") == _documented_module("docs/seq2seq.md")


@pytest.mark.parametrize("page", ["README.md", "docs/seq2seq.md"])
def test_the_documented_module_runs_as_written_and_its_file_opens(page, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "documented"}
    torch.manual_seed(0)
    exec(compile(_documented_module(page), page, "exec"), namespace)  # writes reverse.pt, as the comment says
    assert os.path.exists("reverse.pt")
    module = namespace["Seq2Seq"]()  # type: ignore[operator]
    module.load_state_dict(torch.load("reverse.pt", weights_only=True))
    model = load_seq2seq("reverse.pt")
    assert model.tokens and model.vocab_size == 11 and model.context_size == 128
    module = module.double()
    source, target = [3, 1, 4, 1, 5, 9, 2, 6], [6, 2, 9, 5, 1, 4, 1, 3]
    src = torch.tensor([source])
    with torch.no_grad():
        forced = module(src, torch.tensor([[0, *target[:-1]]]))[0].numpy()
        ours = model.run(source, target)
        np.testing.assert_allclose(ours["dec_y"], forced, rtol=0, atol=1e-6)  # the file is float32
        _, context = module.encoder(module.embed(src))
        np.testing.assert_allclose(ours["context_h"], context[0][:, 0].numpy(), rtol=0, atol=1e-6)
        np.testing.assert_allclose(ours["context_c"], context[1][:, 0].numpy(), rtol=0, atol=1e-6)
        token, predicted = torch.tensor([[0]]), []
        for _ in range(10):  # free-running: each argmax fed back
            out, context = module.decoder(module.embed(token), context)
            token = module.fc(out)[:, -1].argmax(-1, keepdim=True)
            predicted.append(int(token))
    assert model.run(source, steps=10)["dec_pred"].tolist() == predicted
