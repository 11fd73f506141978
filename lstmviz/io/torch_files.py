"""PyTorch ``.pt``/``.pth`` state_dicts, read only through ``torch.load(..., weights_only=True)``.

A torch file is a pickle, and a pickle can carry code. ``weights_only=True`` makes torch's restricted unpickler
refuse anything but tensors and plain containers, so a file that would run code is refused before it can. torch
is optional: without it the user is told to install it or convert the file to ``.safetensors``.
"""

from __future__ import annotations

import pickle
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .errors import WeightsError

__all__ = ["read_torch_state_dict", "STATE_DICT_KEYS"]

STATE_DICT_KEYS: tuple[str, ...] = ("state_dict", "model_state_dict", "model")
"""Where training checkpoints usually keep the weights (``{"epoch": 3, "state_dict": {...}, ...}``)."""


def _to_numpy(torch: Any, tensor: Any) -> np.ndarray:
    tensor = tensor.detach().cpu()
    if tensor.dtype in (torch.float16, torch.bfloat16):
        tensor = tensor.float()
    return tensor.numpy().copy()


def _find_state_dict(torch: Any, loaded: Any) -> Mapping[str, Any] | None:
    """The tensor mapping: the object itself, or a checkpoint's ``state_dict``/``model_state_dict`` entry."""
    if not isinstance(loaded, Mapping):
        return None
    if any(isinstance(value, torch.Tensor) for value in loaded.values()):
        return loaded
    for key in STATE_DICT_KEYS:
        inner = loaded.get(key)
        if isinstance(inner, Mapping) and any(isinstance(value, torch.Tensor) for value in inner.values()):
            return inner
    return None


def read_torch_state_dict(path: Path, name: str) -> dict[str, np.ndarray]:
    """The tensors of a torch state_dict (or checkpoint holding one) as float NumPy arrays, by their names."""
    try:
        import torch
    except ImportError:
        raise WeightsError(
            f"{name}: reading .pt/.pth files needs PyTorch; install it (pip install torch) or convert the file to "
            ".safetensors"
        ) from None
    try:
        loaded = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        raise WeightsError(
            f"{name}: the file holds Python objects or code, not just tensors; lstmviz loads only plain state_dicts "
            "(torch.save(model.state_dict(), path))"
        ) from None
    except Exception as exc:  # noqa: BLE001  torch's unpickler raises anything on garbage (IndexError, KeyError, ...)
        detail = str(exc).strip().splitlines()[0] if isinstance(exc, RuntimeError) and str(exc).strip() else ""
        raise WeightsError(f"{name}: is not a readable PyTorch file" + (f" ({detail})" if detail else "")) from None
    state = _find_state_dict(torch, loaded)
    if state is None:
        raise WeightsError(f"{name}: holds no state_dict of tensors, so it is not a weight file")
    return {str(key): _to_numpy(torch, value) for key, value in state.items() if isinstance(value, torch.Tensor)}
