"""Write tests/fixtures/train_golden.npz: torch's training updates (run by hand: needs torch).

For every optimiser case in tests/engine/train_reference.py, with and without global-norm clipping, on an LSTM and
a GRU with an MSE or masked cross-entropy loss: the starting parameters and batches (drawn from NumPy with a fixed
seed, so the engine rebuilds them without torch) and torch's loss at each of three updates and the parameters
after the last (which depend on all three). Keys: ``{case}/{clip}/loss`` (3,) and ``{case}/{clip}/{parameter}``.
Plain float arrays, no pickle.

    /path/to/venv/bin/python scripts/make_train_golden.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "engine"))

from train_reference import OPTIMISER_CASES, make_case, torch_train  # noqa: E402

GOLDEN_CASES = [("lstm", "mse", 11), ("gru", "cross-entropy", 12)]
CLIPS = {"noclip": None, "clip": 0.5}
OUT = ROOT / "tests" / "fixtures" / "train_golden.npz"


def main() -> None:
    torch.manual_seed(0)
    torch.set_num_threads(1)
    arrays: dict[str, np.ndarray] = {}
    for cell, loss, seed in GOLDEN_CASES:
        case = make_case(seed, cell, loss)
        for name, (optimiser, options) in OPTIMISER_CASES.items():
            for clip_name, clip in CLIPS.items():
                results = torch_train(torch, case, optimiser, options, clip)
                prefix = f"{cell}-{loss}-{name}/{clip_name}"
                arrays[f"{prefix}/loss"] = np.array([value for value, _ in results])
                for key, param in results[-1][1].items():
                    arrays[f"{prefix}/{key}"] = param
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT, **arrays)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes, {len(arrays)} arrays)")


if __name__ == "__main__":
    main()
