"""lstmviz: see inside recurrent neural networks.

The notebook API::

    import lstmviz
    net = lstmviz.Network.random("lstm", input_size=1, hidden_size=8, num_layers=1, seed=0)
    trace = net.run(x)              # trace["h_l0"], trace["f_l0"], ... as (T, H) arrays
    grads = net.bptt(x, loss="h-last-sum")
    net.save("model.npz")
    net = lstmviz.load_weights("model.npz")

Names are resolved lazily so that importing one layer (say the engine) does not drag in the others.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["Network", "load_weights", "load_sequence", "__version__"]


def __getattr__(name: str) -> Any:
    if name in ("Network", "load_weights"):
        from . import api

        return getattr(api, name)
    if name == "load_sequence":
        from .io.sequences import load_sequence

        return load_sequence
    raise AttributeError(f"module 'lstmviz' has no attribute {name!r}")
