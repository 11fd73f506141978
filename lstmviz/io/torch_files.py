"""PyTorch ``.pt``/``.pth`` state_dicts, read only through ``torch.load(..., weights_only=True)``.

A torch file is a pickle, and a pickle can carry code. ``weights_only=True`` makes torch's restricted unpickler
refuse anything but tensors and plain containers, so a file that would run code is refused before it can. Before
that, the pickle's opcodes are scanned (never executed, with :mod:`pickletools`): a reference to anything outside
torch, collections and plain builtins is refused at once, with the culprit named, without importing torch at all.
That scan only speeds up and explains refusals; torch's restricted unpickler remains the gate. torch is optional:
without it the user is told to install it or convert the file to ``.safetensors``.
"""

from __future__ import annotations

import pickle
import pickletools
import warnings
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .errors import WeightsError
from .quoting import first_sentence, shorten

__all__ = ["read_torch_state_dict", "STATE_DICT_KEYS"]

STATE_DICT_KEYS: tuple[str, ...] = ("state_dict", "model_state_dict", "model")
"""Where training checkpoints usually keep the weights (``{"epoch": 3, "state_dict": {...}, ...}``)."""


_TRUSTED_ROOTS = frozenset({"torch", "collections", "_codecs"})
_TRUSTED_BUILTINS = frozenset({"set", "frozenset", "bytearray", "slice", "complex", "int", "float", "bool", "str",
                               "bytes", "dict", "list", "tuple"})
_STRING_OPS = frozenset({"SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "UNICODE", "SHORT_BINSTRING", "BINSTRING",
                         "STRING"})
MAX_PICKLE_SCAN_BYTES = 64 << 20


def _is_trusted(module: str, qualname: str) -> bool:
    if module == "builtins":
        return qualname in _TRUSTED_BUILTINS
    return module.split(".")[0] in _TRUSTED_ROOTS


def _globals_in(data: bytes) -> list[tuple[str, str]] | None:
    """(module, name) of every global the pickle refers to; None where that cannot be read off the opcodes."""
    found: list[tuple[str, str]] = []
    recent: list[Any] = []
    try:
        for opcode, arg, _ in pickletools.genops(data):
            if opcode.name == "GLOBAL":
                module, _, qualname = str(arg).partition(" ")
                found.append((module, qualname))
            elif opcode.name == "STACK_GLOBAL":
                if len(recent) < 2 or not all(isinstance(v, str) for v in recent[-2:]):
                    return None  # names built some other way (memo lookups): leave it to torch's unpickler
                found.append((recent[-2], recent[-1]))
            if opcode.name in _STRING_OPS:
                recent.append(arg)
            elif opcode.name not in ("MEMOIZE", "PUT", "BINPUT", "LONG_BINPUT", "FRAME"):
                recent.append(None)
            del recent[:-2]
    except (ValueError, EOFError, UnicodeDecodeError, IndexError, KeyError, TypeError):
        return None
    return found


def _refuse_code(path: Path, name: str) -> None:
    """Refuse a zip-format torch file whose pickle names anything but tensors and containers (without torch)."""
    try:
        if not zipfile.is_zipfile(path):
            return
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if not info.filename.endswith("data.pkl") or info.file_size > MAX_PICKLE_SCAN_BYTES:
                    continue
                with archive.open(info) as stream:
                    data = stream.read(MAX_PICKLE_SCAN_BYTES + 1)
                for module, qualname in _globals_in(data) or ():
                    if not _is_trusted(module, qualname):
                        raise WeightsError(
                            f"{name}: the file holds Python objects or code, not just tensors (loading it would run "
                            f"{module}.{qualname}); lstmviz loads only plain state_dicts "
                            "(torch.save(model.state_dict(), path))"
                        )
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        if isinstance(exc, WeightsError):
            raise
        return  # not a readable zip: torch.load gives the real error below


def _to_numpy(torch: Any, tensor: Any) -> np.ndarray:
    tensor = tensor.detach().cpu()
    if tensor.dtype in (torch.float16, torch.bfloat16):
        tensor = tensor.float()
    array: np.ndarray = tensor.numpy().copy()
    return array


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
    _refuse_code(path, name)
    try:
        import torch
    except ImportError:
        raise WeightsError(
            f"{name}: reading .pt/.pth files needs PyTorch; install it (pip install torch) or convert the file to "
            ".safetensors"
        ) from None
    try:
        with warnings.catch_warnings():  # "Detected pickle protocol 4", sparse/quantized notes: not the user's line
            warnings.simplefilter("ignore")
            loaded = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        raise WeightsError(
            f"{name}: the file holds Python objects or code, not just tensors; lstmviz loads only plain state_dicts "
            "(torch.save(model.state_dict(), path))"
        ) from None
    except Exception as exc:  # torch's unpickler raises anything on garbage (IndexError, KeyError, ...)
        detail = first_sentence(exc) if isinstance(exc, RuntimeError) and str(exc).strip() else ""
        raise WeightsError(f"{name}: is not a readable PyTorch file" + (f" ({detail})" if detail else "")) from None
    state = _find_state_dict(torch, loaded)
    if state is None:
        raise WeightsError(f"{name}: holds no state_dict of tensors, so it is not a weight file")
    return {str(key): _converted(torch, name, str(key), value) for key, value in state.items()
            if isinstance(value, torch.Tensor)}


def _converted(torch: Any, name: str, key: str, tensor: Any) -> np.ndarray:
    """One tensor as NumPy, or one sentence naming it (meta tensors hold no values; exotic layouts may not convert)."""
    if getattr(tensor, "is_meta", False):
        raise WeightsError(f"{name}: {shorten(key)} is a meta tensor: it holds no values")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _to_numpy(torch, tensor)
    except (RuntimeError, TypeError, ValueError, NotImplementedError) as exc:
        raise WeightsError(
            f"{name}: {shorten(key)} is a {tensor.dtype} tensor with layout {tensor.layout} that lstmviz cannot "
            f"convert ({first_sentence(exc, 80)})"
        ) from None
