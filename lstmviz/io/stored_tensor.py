"""A tensor known by its header (name, shape, type) whose values are read only when a caller asks for them.

A weight file may hold far more than the network uses (an optimizer's state, an embedding, a second model): the
network is worked out from names and shapes alone, so only the tensors it keeps are ever read, one at a time.
:func:`materialise` is the one place that turns a :class:`StoredTensor` (or a plain array) into an array, and
checks first that the array it would make, converted to float64 where it must be, fits the size limit.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .errors import WeightsError
from .limits import describe_bytes, max_file_bytes
from .quoting import shorten

__all__ = ["StoredTensor", "kept_bytes", "materialise"]


@dataclass(frozen=True)
class StoredTensor:
    """Shape and dtype from the file's header; ``read()`` fetches the values (from the tensor's own offset)."""

    shape: tuple[int, ...]
    dtype: np.dtype
    """The dtype ``read()`` returns (bfloat16 is widened to float32, byte order made native)."""
    read: Callable[[], np.ndarray]
    converted_from: str | None = None
    """What the file stores when ``read()`` converts it to other numbers (``"float8_e4m3fn, widened to float32"``,
    ``"quantized qint8, dequantized to float32"``): the loader tells the user, since the file's type is not kept."""

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        count = 1
        for n in self.shape:
            count *= n
        return count


def kept_bytes(size: int, dtype: np.dtype) -> int:
    """What the network keeps of a tensor: floats as they are, integers and booleans converted to float64."""
    return size * (dtype.itemsize if dtype.kind == "f" else 8)


def materialise(name: str, key: str, tensor: StoredTensor | np.ndarray, limit: int | None = None) -> np.ndarray:
    """The tensor's values, refused in one sentence before reading when what would be kept is over the limit."""
    limit = max_file_bytes() if limit is None else limit
    kept = kept_bytes(math.prod(tensor.shape), np.dtype(tensor.dtype))
    if kept > limit:
        raise WeightsError(
            f"{name}: parameter {shorten(key)} of shape {tuple(tensor.shape)} would take {describe_bytes(kept)} as "
            f"{'float64' if np.dtype(tensor.dtype).kind != 'f' else tensor.dtype}, over the {describe_bytes(limit)} "
            "limit (LSTMVIZ_MAX_FILE_MB)"
        )
    return tensor.read() if isinstance(tensor, StoredTensor) else tensor
