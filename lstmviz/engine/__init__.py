"""The NumPy engine: cell specs, step kernels, the network, traces, BPTT and initialisers. No Qt, no files."""

from .errors import EngineError
from .network import Network
from .spec import CELL_KINDS, SPECS, CellSpec, spec_for
from .trace import Trace, trace_key

__all__ = ["CELL_KINDS", "SPECS", "CellSpec", "EngineError", "Network", "Trace", "spec_for", "trace_key"]
