"""The notebook and script API: the engine's Network plus file saving and loading.

The engine knows no files (it sits below ``io``), so ``save`` is added here, at the top of the package, where both
layers may be imported.
"""

from __future__ import annotations

import os

from .engine.network import Network as _EngineNetwork
from .io.weights import load_weights as _load_weights
from .io.weights import save_weights


class Network(_EngineNetwork):
    """:class:`lstmviz.engine.network.Network` with :meth:`save`."""

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the parameters to ``.npz`` or ``.safetensors`` under PyTorch's names, atomically."""
        save_weights(self, path)

    @classmethod
    def from_engine(cls, network: _EngineNetwork) -> Network:
        return cls(
            network.cell,
            network.input_size,
            network.hidden_size,
            network.num_layers,
            network.nonlinearity,
            network.bias,
            network.output_activation,
            network.params,
        )


def load_weights(path: str | os.PathLike[str]) -> Network:
    """Read a ``.npz``, ``.safetensors`` or ``.pt``/``.pth`` state_dict; cell type and sizes come from the shapes."""
    return Network.from_engine(_load_weights(path))
