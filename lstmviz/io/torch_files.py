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
it. Real numbers in another form are converted, and :attr:`StoredTensor.converted_from` says from what (for the
loader's notice): float8, float16 and bfloat16 are widened to float32 (exactly), quantized tensors dequantized,
sparse ones made dense once their dense size is known to fit the limit. Meta, nested and complex tensors, and types
that hold no plain numbers (float4), are refused by name.
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
    if module in ("builtins", "__builtin__"):  # __builtin__: protocol 2 pickles keep Python 2's name
        return qualname in _TRUSTED_BUILTINS
    return module.split(".")[0] in _TRUSTED_ROOTS and not _is_module_class(module)


def _is_module_class(module: str) -> bool:
    """torch's own layer classes (``torch.nn.modules.rnn.LSTM``): a whole pickled model, which torch's restricted
    unpickler refuses too, named here so the sentence can say what to save instead."""
    return module.startswith(("torch.nn.modules", "torch.jit"))


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
            if _is_module_class(module):
                raise WeightsError(
                    f"{name}: holds a whole pickled model ({shorten(module + '.' + qualname)}), not a state_dict; "
                    "save the weights alone (torch.save(model.state_dict(), path))"
                )
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
            if any(n.endswith("/constants.pkl") or "/code/" in n for n in archive.namelist()):
                raise WeightsError(
                    f"{name}: is a TorchScript archive (torch.jit.save), a program rather than tensors; lstmviz "
                    "loads only state_dicts: save torch.save(model.state_dict(), path) instead"
                )
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
            # torch checks a sparse tensor's indices against its shape only when asked; unchecked, to_dense()
            # writes wherever a hostile file's indices point
            with torch.sparse.check_sparse_tensor_invariants(enable=True):
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


def _type_name(dtype: Any) -> str:
    return str(dtype).removeprefix("torch.")


def _float8(torch: Any, dtype: Any) -> bool:
    """float8 in every variant torch has (e4m3fn, e5m2, the fnuz pair, e8m0fnu): real numbers ``.float()`` widens."""
    return dtype.is_floating_point and _type_name(dtype).startswith("float8")


def _unsupported(torch: Any, tensor: Any) -> str | None:
    """Why lstmviz cannot draw this tensor, as the end of a sentence; None when it converts to real numbers."""
    if getattr(tensor, "is_meta", False):
        return "is a meta tensor: it holds no values"
    if getattr(tensor, "is_nested", False):
        return "is a nested tensor (rows of different lengths); save each weight as one dense tensor"
    if tensor.dtype.is_complex:
        return f"holds complex numbers ({_type_name(tensor.dtype)}); a network's weights are real"
    if not tensor.is_quantized and not _float8(torch, tensor.dtype) and tensor.dtype not in _numpy_dtypes(torch):
        return (  # float4 (two values packed per byte), bit and shell types
            f"holds {_type_name(tensor.dtype)} values, which lstmviz does not read; save it as float32 (tensor.float())"
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
        torch.uint64: np.dtype(np.uint64),
        torch.uint32: np.dtype(np.uint32),
        torch.uint16: np.dtype(np.uint16),
        torch.uint8: np.dtype(np.uint8),
        torch.bool: np.dtype(np.bool_),
    }


def _conversion(torch: Any, tensor: Any) -> tuple[np.dtype, str | None]:
    """The NumPy dtype ``read()`` returns, and what the file stored when that is another kind of number (for the
    loader's notice): float8, float16 and bfloat16 widen exactly to float32, a quantized tensor is dequantized (to
    float32, as torch does), a sparse one is made dense (its values keep their type)."""
    if tensor.is_quantized:
        return np.dtype(np.float32), f"quantized {_type_name(tensor.dtype)}, dequantized to float32"
    widened = _float8(torch, tensor.dtype) or tensor.dtype in (torch.float16, torch.bfloat16)
    dtype = np.dtype(np.float32) if widened else _numpy_dtypes(torch)[tensor.dtype]
    stored = f"{_type_name(tensor.dtype)}, widened to float32" if widened else None
    if tensor.layout != torch.strided:
        layout = f"sparse ({_type_name(tensor.layout).removeprefix('sparse_').upper()})"
        stored = f"{layout} {stored or dtype.name}, made dense"
    return dtype, stored


def _dense(torch: Any, tensor: Any) -> np.ndarray:
    """The tensor's values as an array of its own (never a view of the mapped, read-only file)."""
    original = tensor
    if tensor.layout != torch.strided:
        tensor = tensor.to_dense()  # the dense size was checked against the limit before read() was called
    if tensor.is_quantized:
        tensor = tensor.dequantize()
    if _float8(torch, tensor.dtype) or tensor.dtype in (torch.float16, torch.bfloat16):
        tensor = tensor.float()
    array: np.ndarray = tensor.numpy()
    return array.copy() if tensor is original else array  # a converted tensor is new: its array is ours


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
    dtype, converted_from = _conversion(torch, value)

    def read() -> np.ndarray:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return _dense(torch, value.detach())
        except (RuntimeError, TypeError, ValueError, NotImplementedError, IndexError) as exc:
            raise WeightsError(
                f"{name}: {shorten(key)} is a {_type_name(value.dtype)} tensor that lstmviz cannot convert "
                f"({first_sentence(exc, 80)})"
            ) from None

    return StoredTensor(tuple(int(n) for n in value.shape), dtype, read, converted_from)
