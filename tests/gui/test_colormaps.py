"""One colour per value: the app's colour maps are the exported figures' maps (matplotlib's own tables)."""

from __future__ import annotations

import numpy as np
import pytest

from lstmviz.gui.colors import lookup_table
from lstmviz.io.figures import DIVERGING_CMAP, SEQUENTIAL_CMAP


@pytest.mark.parametrize("signed, name", [(True, DIVERGING_CMAP), (False, SEQUENTIAL_CMAP)])
def test_app_and_figures_colour_a_value_alike(signed: bool, name: str) -> None:
    import matplotlib

    samples = 256
    figure = (np.asarray(matplotlib.colormaps[name].resampled(samples)(np.linspace(0, 1, samples))) * 255)[:, :3]
    app = lookup_table(signed, samples)[:, :3].astype(float)
    assert np.abs(app - figure).max() <= 3, "at most a rounding step apart in any channel"


def test_the_diverging_map_is_white_at_zero_blue_below_red_above() -> None:
    table = lookup_table(True, 257)
    white, low, high = table[128, :3], table[0, :3], table[-1, :3]
    assert min(white) >= 240
    assert low[2] > low[0] and high[0] > high[2]
