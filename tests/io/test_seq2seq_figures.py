"""The encoder-decoder figure: what it draws is readable (nothing drawn over the scores it explains)."""

from __future__ import annotations

import io

import pytest

from lstmviz.engine.seq2seq import Seq2Seq
from lstmviz.io.seq2seq_figures import render_seq2seq_figure


@pytest.mark.parametrize("target", [None, [5, 1, 4, 1, 3]])
def test_the_output_panels_legend_sits_above_the_scores_not_on_them(target) -> None:
    model = Seq2Seq.random("lstm", 4, 1, vocab_size=7, embed_size=3, seed=2, output_activation="identity")
    trace = model.run([3, 1, 4, 1, 5], target)
    figure = render_seq2seq_figure(trace, model, io.BytesIO(), show="hidden", format="png")
    (output,) = [ax for ax in figure.axes if ax.get_title(loc="left") == "decoder output y_t"]
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(figure)
    canvas.draw()  # the constrained layout, as saved
    renderer = canvas.get_renderer()
    legend = output.get_legend()
    texts = [text.get_text() for text in legend.get_texts()]
    assert texts == ["predicted (argmax)"] + (["target"] if target else [])
    box, panel = legend.get_window_extent(renderer), output.get_window_extent(renderer)
    assert box.y0 >= panel.y1 - 1  # above the heatmap, not over its cells
    assert legend.get_frame().get_facecolor()[:3] != (1.0, 1.0, 1.0)  # the target's white marks show on it


def test_the_bottleneck_figure_counts_whole_tokens_and_keeps_its_legend_off_the_curves() -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from lstmviz.io.seq2seq_bottleneck import BottleneckCurve
    from lstmviz.io.seq2seq_figures import render_bottleneck_figure

    # the shape `lstmviz train reverse --bottleneck` measured: high to the trained length, then down to 0
    curve = BottleneckCurve(
        "reverse",
        (4, 8, 12, 16, 20, 24),
        (0.93, 0.96, 0.54, 0.34, 0.30, 0.25),
        (0.76, 0.85, 0.01, 0.0, 0.0, 0.0),
        200,
        128,
        64,
        1,
        "lstm",
        8,
    )
    figure = render_bottleneck_figure(curve, io.BytesIO(), format="png")
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    (ax,) = figure.axes
    ticks = [tick for tick in ax.get_xticks() if ax.get_xlim()[0] <= tick <= ax.get_xlim()[1]]
    assert ticks and all(float(tick).is_integer() for tick in ticks)
    legend = ax.get_legend().get_window_extent(canvas.get_renderer())
    for line in ax.get_lines()[:2]:  # per token, whole sequence: no measured point under the legend
        for x, y in zip(curve.lengths, line.get_ydata(), strict=True):
            px, py = ax.transData.transform((x, y))
            assert not legend.contains(px, py), (x, y)
