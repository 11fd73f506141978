"""The NumPy engine: cell specs, step kernels, the network, traces, BPTT and initialisers. No Qt, no files."""

from .bptt import Gradients
from .errors import EngineError
from .losses import LOSSES
from .network import Network
from .spec import CELL_KINDS, SPECS, CellSpec, spec_for
from .trace import Trace, trace_key

__all__ = [
    "CELL_KINDS",
    "LOSSES",
    "SPECS",
    "CellSpec",
    "EngineError",
    "Gradients",
    "Network",
    "Trace",
    "spec_for",
    "trace_key",
]
