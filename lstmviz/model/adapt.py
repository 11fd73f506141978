"""Fit a network to a sequence of another width while keeping what it learned about time."""

from __future__ import annotations

from ..engine.init import init_parameters
from ..engine.network import Network


def adapt_input_size(network: Network, input_size: int, seed: int | None = 0) -> Network:
    """The same network with ``weight_ih_l0`` re-initialised for ``input_size`` inputs (PyTorch's default init).

    Every other parameter is kept, so a model's recurrent dynamics survive a change of input width.
    """
    rows = network.params["weight_ih_l0"].shape[0]
    fresh = init_parameters({"weight_ih_l0": (rows, input_size)}, network.hidden_size, seed=seed, dtype=network.dtype)
    params = dict(network.params)
    params.update(fresh)
    return network.replace(input_size=input_size, params=params)
