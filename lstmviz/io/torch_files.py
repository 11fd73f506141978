"""PyTorch ``.pt``/``.pth`` state_dicts, read only through ``torch.load(..., weights_only=True)``.

A torch file is a pickle, and a pickle can carry code. ``weights_only=True`` makes torch's restricted unpickler
refuse anything but tensors and plain containers, so a file that would run code is refused before it can. Before
that, the pickle's opcodes are scanned (never executed, with :mod:`pickletools`): a reference to anything outside
torch, collections and plain builtins is refused at once, with the culprit named, without importing torch at all.
That scan only speeds up and explains refusals; torch's restricted unpickler remains the gate. torch is optional:
without it the user is told to install it or convert the file to ``.safetensors``.

Memory is bounded the way :mod:`lstmviz.io.safetensors_format` bounds it: the zip directory is checked first
(every record stored, as torch.save writes them, within the file and the limit), then ``mmap=True`` maps the
storages instead of reading them, and each tensor is converted to NumPy, one at a time, only if the network keeps
it. Tensors that are not plain real numbers (meta, sparse, quantized, nested, complex, float8) are refused by name.
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
from .limits import describe_bytes, max_file_bytes
from .quoting import first_sentence, quote, shorten
from .stored_tensor import StoredTensor

__all__ = ["STATE_DICT_KEYS", "read_torch_state_dict"]

STATE_DICT_KEYS: tuple[str, ...] = ("state_dict", "model_state_dict", "model")
"""Where training checkpoints usually keep the weights (``{"epoch": 3, "state_dict": {...}, ...}``)."""


_TRUSTED_ROOTS = frozenset({"torch", "collections", "_codecs"})
_TRUSTED_BUILTINS = frozenset(
    {
        "set",
        "frozenset",
        "bytearray",
        "slice",
        "complex",
        "int",
        "float",
        "bool",
        "str",
        "bytes",
        "dict",
        "list",
        "tuple",
    }
)
_STRING_OPS = frozenset(
    {"SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "UNICODE", "SHORT_BINSTRING", "BINSTRING", "STRING"}
)
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


def _refuse_code(archive: zipfile.ZipFile, name: str) -> None:
    """Refuse a zip-format torch file whose pickle names anything but tensors and containers (without torch)."""
    for info in archive.infolist():
        if not info.filename.endswith("data.pkl") or info.file_size > MAX_PICKLE_SCAN_BYTES:
            continue
        try:
            with archive.open(info) as stream:
                data = stream.read(MAX_PICKLE_SCAN_BYTES + 1)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError):
            return  # an unreadable record: torch.load gives the real error below
        for module, qualname in _globals_in(data) or ():
            if not _is_trusted(module, qualname):
                raise WeightsError(
                    f"{name}: the file holds Python objects or code, not just tensors (loading it would run "
                    f"{module}.{qualname}); lstmviz loads only plain state_dicts "
                    "(torch.save(model.state_dict(), path))"
                )


def _check_archive(path: Path, name: str, limit: int) -> None:
    """Refuse, from the zip directory, what ``torch.load(..., mmap=True)`` would misread or cannot bound.

    torch.save writes every record stored (uncompressed), which is what lets the tensors be mapped from the file
    instead of read: a deflated record would be mapped as its compressed bytes (wrong numbers, silently), and
    inflating it could take gigabytes from a small file. A file in torch's legacy format (not a zip) cannot be
    mapped at all.
    """
    size = path.stat().st_size
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if info.flag_bits & 0x1:
                    raise WeightsError(
                        f"{name}: record {quote(info.filename)} is encrypted, so this is not a file torch.save wrote"
                    )
                if info.compress_type != zipfile.ZIP_STORED:
                    raise WeightsError(
                        f"{name}: record {quote(info.filename)} is compressed, but torch.save stores every record "
                        "as it is; re-save the file with torch.save or convert it to .safetensors"
                    )
                if info.file_size > limit or info.header_offset + info.file_size > size:
                    raise WeightsError(
                        f"{name}: record {quote(info.filename)} claims {describe_bytes(info.file_size)}, more than "
                        f"the file holds or the {describe_bytes(limit)} limit (the file is truncated or altered)"
                    )
            _refuse_code(archive, name)
    except zipfile.BadZipFile:
        raise WeightsError(
            f"{name}: is not a PyTorch zip archive (torch's legacy format before 1.6, or not a torch file); lstmviz "
            "reads only files it can map: re-save it with torch.save in PyTorch 1.6 or later, or convert it to "
            ".safetensors"
        ) from None
    except (OSError, EOFError, ValueError, NotImplementedError, RuntimeError, OverflowError) as exc:
        if isinstance(exc, WeightsError):
            raise
        raise WeightsError(f"{name}: is not a readable PyTorch file ({first_sentence(exc)})") from None


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


def read_torch_state_dict(path: Path, name: str, limit: int | None = None) -> dict[str, StoredTensor]:
    """The tensors of a torch state_dict (or checkpoint holding one), each converted to NumPy only when read.

    Loaded with ``torch.load(path, map_location="cpu", weights_only=True, mmap=True)``: the restricted unpickler is
    the gate against code, and the storages are mapped from the file, not copied, so a tensor nobody reads costs
    no memory. Every value is checked first; a tensor lstmviz cannot draw is refused, named, in one sentence.
    """
    limit = max_file_bytes() if limit is None else limit
    _check_archive(path, name, limit)
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
            loaded = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    except pickle.UnpicklingError:
        raise WeightsError(
            f"{name}: the file holds Python objects or code, not just tensors; lstmviz loads only plain state_dicts "
            "(torch.save(model.state_dict(), path))"
        ) from None
    except Exception as exc:
        detail = first_sentence(exc) if isinstance(exc, RuntimeError) and str(exc).strip() else ""
        raise WeightsError(f"{name}: is not a readable PyTorch file" + (f" ({detail})" if detail else "")) from None
    state = _find_state_dict(torch, loaded)
    if state is None:
        raise WeightsError(f"{name}: holds no state_dict of tensors, so it is not a weight file")
    return {str(key): _stored(torch, name, str(key), value) for key, value in state.items()}


def _unsupported(torch: Any, tensor: Any) -> str | None:
    """Why lstmviz cannot draw this tensor, as the end of a sentence; None when it converts to real numbers."""
    if getattr(tensor, "is_meta", False):
        return "is a meta tensor: it holds no values"
    if getattr(tensor, "is_nested", False):
        return "is a nested tensor (rows of different lengths); save each weight as one dense tensor"
    if tensor.layout != torch.strided:
        layout = str(tensor.layout).removeprefix("torch.")
        return f"is a sparse tensor (layout {layout}); save it dense (tensor.to_dense())"
    if tensor.is_quantized:
        return (
            f"is a quantized tensor ({str(tensor.dtype).removeprefix('torch.')}); save it dequantized "
            "(tensor.dequantize())"
        )
    if tensor.dtype.is_complex:
        return f"holds complex numbers ({str(tensor.dtype).removeprefix('torch.')}); a network's weights are real"
    if tensor.dtype not in _numpy_dtypes(torch):  # float8, float4, the unsigned 16-64 bit types
        return (
            f"holds {str(tensor.dtype).removeprefix('torch.')} values, which lstmviz does not read; save it as "
            "float32 (tensor.float())"
        )
    return None


def _numpy_dtypes(torch: Any) -> dict[Any, np.dtype]:
    """torch dtype -> the NumPy dtype lstmviz reads it as (half precisions widened to float32)."""
    return {
        torch.float64: np.dtype(np.float64),
        torch.float32: np.dtype(np.float32),
        torch.float16: np.dtype(np.float32),
        torch.bfloat16: np.dtype(np.float32),
        torch.int64: np.dtype(np.int64),
        torch.int32: np.dtype(np.int32),
        torch.int16: np.dtype(np.int16),
        torch.int8: np.dtype(np.int8),
        torch.uint8: np.dtype(np.uint8),
        torch.bool: np.dtype(np.bool_),
    }


def _stored(torch: Any, name: str, key: str, value: Any) -> StoredTensor:
    """A described tensor, refused now (named) if it is not one lstmviz can convert; converted when read."""
    if not isinstance(value, torch.Tensor):
        raise WeightsError(
            f"{name}: the state_dict entry {shorten(key)} is a {type(value).__name__}, not a tensor; "
            "save model.state_dict() alone"
        )
    problem = _unsupported(torch, value)
    if problem is not None:
        raise WeightsError(f"{name}: {shorten(key)} {problem}")

    def read() -> np.ndarray:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tensor = value.detach()
                array: np.ndarray
                if tensor.dtype in (torch.float16, torch.bfloat16):
                    array = tensor.float().numpy()  # .float() made a new tensor: its array is ours
                else:
                    array = tensor.numpy().copy()  # a copy: the mapped storage is the file's, read-only
                return array
        except (RuntimeError, TypeError, ValueError, NotImplementedError) as exc:
            raise WeightsError(
                f"{name}: {shorten(key)} is a {value.dtype} tensor that lstmviz cannot convert "
                f"({first_sentence(exc, 80)})"
            ) from None

    return StoredTensor(tuple(int(n) for n in value.shape), _numpy_dtypes(torch)[value.dtype], read)
