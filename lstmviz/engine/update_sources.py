"""What a training update learns from: the share of the weight gradient that each input step contributes.

After RNNbow (Cashman et al. 2018). BPTT writes the gradient of a recurrent weight as a sum over time,

    dL/dW = sum_t term_t,   term_t(W_ih) = sum_b dA_t x_t^T,   term_t(W_hh) = sum_b dA_t h_{t-1}^T,
                            term_t(b_ih) = sum_b dA_in_t,     term_t(b_hh) = sum_b dA_rec_t,

where dA_t = dL/da_t is the gradient at step t's gate pre-activations (a whole batch b at once). The share of
step t is

    share_t = sum_params sum_entries |term_t| / sum_s sum_params sum_entries |term_s|,

summed over every recurrent layer (the output layer's part at t is the loss at t itself, not what reached step t
through time, so it is left out). Shares are >= 0 and add up to 1. A vanilla RNN on a task whose loss sits at
the last step has nearly all of its share in the last few steps (its dA_t vanishes going back); a gated cell's
share reaches the steps its memory keeps.
"""

from __future__ import annotations

import numpy as np

from .batched import backward, forward
from .errors import EngineError
from .network import Network
from .objectives import objective
from .training import Batch


def step_terms(network: Network, batch: Batch, loss: str, steps: str = "all") -> np.ndarray:
    """sum over the recurrent parameters of |term_t| for the batch's loss (T,), in float64."""
    if not network.has_output:
        raise EngineError("the share of each step needs a network with an output layer (a training loss)")
    cache = forward(network, batch.x)
    assert cache.y is not None
    _, dy = objective(loss, cache.y, batch.target, batch.mask, steps)
    terms = backward(cache, dy=dy, need_dx=False, step_terms=True).step_terms
    assert terms is not None
    return terms


def update_shares(network: Network, batch: Batch, loss: str, steps: str = "all") -> np.ndarray:
    """share_t of the update on ``batch`` (T,), adding up to 1 (all zeros when the gradient is zero)."""
    terms = step_terms(network, batch, loss, steps)
    total = float(terms.sum())
    return terms / total if total > 0 and np.isfinite(total) else np.zeros_like(terms)
