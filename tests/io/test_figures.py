"""The figure renderer, checked by reading PNG, SVG and PDF output back into pixels and text.

The reference colours come from matplotlib's own colour maps (viridis for [0, 1] gates, RdBu_r for signed
quantities) evaluated at the ends and the centre; the network is built with saturated biases so that each unit's
true value (1, 0, 0.5 or -1, 1, 0) is known without running the renderer.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pytest

from lstmviz.engine.network import Network
from lstmviz.io.errors import ExportError
from lstmviz.io.fig_data import block_reduce, mathtext
from lstmviz.io.figures import render_heatmap_figure, render_trace_figure
from lstmviz.io.sequence_data import SequenceData

H = 3
SATURATED = 30.0


def saturated_network(cell: str = "lstm") -> Network:
    """Zero weights; biases drive unit 0 of every gate to its top, unit 1 to its bottom, unit 2 to the middle."""
    rows = {"lstm": 4, "gru": 3}[cell] * H
    bias = np.zeros(rows)
    for block in range(rows // H):
        bias[block * H] = SATURATED
        bias[block * H + 1] = -SATURATED
    params = {
        "weight_ih_l0": np.zeros((rows, 1)),
        "weight_hh_l0": np.zeros((rows, H)),
        "bias_ih_l0": bias,
        "bias_hh_l0": np.zeros(rows),
    }
    return Network(cell, 1, H, params=params)


@pytest.fixture()
def setup() -> tuple[Network, Any, SequenceData]:
    steps = 100
    sequence = SequenceData(
        values=np.sin(np.arange(steps) / 7.0),
        time=np.arange(1950, 1950 + steps),
        time_label="year",
        source="years.csv",
    )
    network = saturated_network()
    return network, network.run(sequence.values), sequence


def _pixel(image: np.ndarray, figure: Any, ax: Any, fx: float, fy: float) -> np.ndarray:
    """RGB of the image at fraction (fx, fy) of ``ax`` (0, 0 = bottom left), scaled to the image's resolution."""
    box = ax.get_window_extent()
    scale = image.shape[1] / figure.bbox.width
    x = (box.x0 + fx * box.width) * scale
    y = image.shape[0] - (box.y0 + fy * box.height) * scale
    rgb = image[int(y), int(x), :3]
    return rgb.astype(np.float64) / (255.0 if rgb.dtype == np.uint8 else 1.0)


def _expected(cmap: str, fraction: float) -> np.ndarray:
    return np.array(matplotlib.colormaps[cmap](fraction)[:3])


def _check_rows(image: np.ndarray, figure: Any, ax: Any, cmap: str, tol: float = 0.03) -> None:
    """Unit 0 (top row) shows the map's top end, unit 1 its bottom end, unit 2 its centre."""
    for unit, fraction in ((0, 1.0), (1, 0.0), (2, 0.5)):
        fy = 1.0 - (unit + 0.5) / H
        got = _pixel(image, figure, ax, 0.5, fy)
        np.testing.assert_allclose(got, _expected(cmap, fraction), atol=tol, err_msg=f"unit {unit}")


def test_png_rows_show_the_colour_maps_ends(tmp_path: Path, setup: Any) -> None:
    import matplotlib.image

    network, trace, sequence = setup
    out = tmp_path / "gates.png"
    figure = render_trace_figure(trace, sequence, network, out, show=["i", "g"], dpi=100)
    image = matplotlib.image.imread(out)
    heat_i, heat_g = [ax for ax in figure.axes if ax.images and ax.get_ylabel() == "hidden unit"]
    _check_rows(image, figure, heat_i, "viridis")  # sigmoid gate on [0, 1]
    _check_rows(image, figure, heat_g, "RdBu_r")  # tanh candidate, centred on 0


def test_axes_use_the_files_time_and_name_each_quantity(tmp_path: Path, setup: Any) -> None:
    network, trace, sequence = setup
    figure = render_trace_figure(trace, sequence, network, tmp_path / "f.png", show="gates", units=[0, 2])
    panels = [ax for ax in figure.axes if ax.get_label() != "<side>"]
    assert panels[-1].get_xlabel() == "year"
    assert figure.axes[0].get_xlim() == pytest.approx((1949.5, 2049.5))
    # The input on top, on the same time axis, holds the sequence itself.
    line = figure.axes[0].lines[0]
    np.testing.assert_allclose(line.get_xdata(), sequence.time)
    np.testing.assert_allclose(line.get_ydata(), sequence.values[:, 0])
    titles = " | ".join(ax.get_title("left") + " " + ax.get_title("right") for ax in figure.axes)
    for gate in ("i", "f", "g", "o"):
        name, symbol, equation = network.spec.describe(gate)
        assert name in titles and mathtext(equation) in titles  # typeset: sigma, C-tilde, subscripts
    assert "LSTM" in figure._suptitle.get_text() and "H=3" in figure._suptitle.get_text()
    assert "years.csv" in figure._suptitle.get_text()
    # Line plots of the chosen units follow the trace.
    unit_axes = [ax for ax in panels if ax.lines and not ax.images][1:]  # after the input
    assert [ax.get_ylabel() for ax in unit_axes] == ["$i_t$", "$f_t$", r"$\tilde{C}_t$", "$o_t$"]
    forget_lines = unit_axes[1].lines
    np.testing.assert_allclose(forget_lines[1].get_ydata(), trace["f_l0"][:, 2])
    # Legends sit beside the curves, in the column of the colour bars, never on them.
    assert all(ax.get_legend() is None for ax in panels)
    legends = [ax.get_legend() for ax in figure.axes if ax.get_label() == "<side>" and ax.get_legend()]
    assert [t.get_text() for t in legends[0].get_texts()] == ["unit 0", "unit 2"]


def test_steps_window_and_long_traces_are_block_averaged(tmp_path: Path) -> None:
    steps, hidden = 10_000, 128
    network = Network.random("lstm", 2, hidden, seed=3)
    x = np.random.default_rng(0).normal(size=(steps, 2))
    trace = network.run(x)
    figure = render_trace_figure(trace, None, network, tmp_path / "long.png", show=["h"], dpi=100)
    heat = next(ax for ax in figure.axes if ax.images and ax.get_ylabel() == "hidden unit")
    shown = np.asarray(heat.images[0].get_array())
    assert shown.shape[0] == hidden and shown.shape[1] <= 1000  # at most the figure's width in pixels
    block = int(np.ceil(steps / shown.shape[1]))
    full = trace["h_l0"][: (steps // block) * block]
    expected = full.reshape(-1, block, hidden).mean(axis=1).T  # independent: reshape, not reduceat
    np.testing.assert_allclose(shown[:, : expected.shape[1]], expected, rtol=1e-12, atol=1e-12)
    assert "block means" in figure._suptitle.get_text()

    window = render_trace_figure(trace, None, network, tmp_path / "w.png", show=["h"], steps=slice(100, 300))
    assert window.axes[0].get_xlim() == pytest.approx((99.5, 299.5))


def test_block_reduce_keeps_short_arrays_and_handles_a_ragged_tail() -> None:
    values = np.arange(10.0)[:, None]
    same, block = block_reduce(values, 10)
    assert same is values and block == 1
    reduced, block = block_reduce(values, 4)
    assert block == 3
    np.testing.assert_allclose(reduced[:, 0], [1.0, 4.0, 7.0, 9.0])


def test_svg_has_real_text_and_shapes_and_the_right_colours(tmp_path: Path, setup: Any, qapp: Any) -> None:
    from PySide6.QtCore import QSize
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    network, trace, sequence = setup
    out = tmp_path / "gates.svg"
    figure = render_trace_figure(trace, sequence, network, out, show=["f"], dpi=100)
    text = out.read_text(encoding="utf-8")
    assert text.count("<text") >= 10  # titles, tick labels, axis labels as text, not glyph outlines
    assert "forget gate" in text and "unit" in text and "year" in text
    assert "<path" in text  # axes, ticks and lines as vector paths
    assert text.count("<image") == 2  # only the heatmap and its colour-bar gradient are bitmaps

    renderer = QSvgRenderer(str(out))
    assert renderer.isValid()
    width, height = int(figure.bbox.width), int(figure.bbox.height)
    image = QImage(QSize(width, height), QImage.Format.Format_RGBA8888)
    image.fill(0xFFFFFFFF)
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    pixels = np.frombuffer(image.constBits(), np.uint8).reshape(height, image.bytesPerLine() // 4, 4)[:, :width]
    heat = next(ax for ax in figure.axes if ax.images and ax.get_ylabel() == "hidden unit")
    _check_rows(pixels, figure, heat, "viridis", tol=0.04)
    # Cells are repeated into blocks of equal pixels so smoothing viewers keep rows sharp: 3 units x 100 steps.
    embedded = np.asarray(heat.images[0].get_array())
    assert embedded.shape[0] % H == 0 and embedded.shape[0] >= 200 and embedded.shape[1] >= 1000
    per_step, per_unit = embedded.shape[1] // trace.steps, embedded.shape[0] // H
    np.testing.assert_array_equal(embedded[::per_unit, ::per_step], trace["f_l0"].T)


def test_pdf_embeds_fonts_keeps_text_and_rasterises_to_the_data(tmp_path: Path, setup: Any) -> None:
    network, trace, sequence = setup
    out = tmp_path / "gates.pdf"
    dpi = 100
    figure = render_trace_figure(trace, sequence, network, out, show=["o"], dpi=dpi)
    data = out.read_bytes()
    assert data.startswith(b"%PDF")
    assert b"/FontFile2" in data  # TrueType (Type 42) fonts embedded: real text, not Type 3 outlines
    assert b"/Subtype /Type3" not in data
    # PDFium (pypdfium2, in the test extra) reads the file back: its text, and its pixels at the figure's dpi.
    pdfium = pytest.importorskip("pypdfium2")
    document = pdfium.PdfDocument(str(out))
    try:
        page = document[0]
        extracted = page.get_textpage().get_text_range()
        image = page.render(scale=dpi / 72, rev_byteorder=True).to_numpy()[..., :3].astype(np.float64) / 255.0
    finally:
        document.close()
    assert "output gate" in extracted and "year" in extracted
    heat = next(ax for ax in figure.axes if ax.images and ax.get_ylabel() == "hidden unit")
    _check_rows(image, figure, heat, "viridis", tol=0.04)


def test_gradient_panels_draw_the_bptt_curves_on_log_axes(tmp_path: Path, setup: Any) -> None:
    network, trace, sequence = setup
    steps = trace.steps
    decay = 10.0 ** -np.linspace(0, 6, steps)[::-1]
    grads = {
        "loss": np.float64(0.5),
        "grad_norm_h_l0": decay,
        "jacobian_norm_l0": decay * 2,
        "cec_l0": np.tile(decay[:, None], (1, H)),
    }
    figure = render_trace_figure(trace, sequence, network, tmp_path / "g.png", show="grad", grads=grads)
    curves = [ax for ax in figure.axes if ax.lines and ax.get_yscale() == "log"]
    assert len(curves) == 2  # the input panel is linear
    np.testing.assert_allclose(curves[0].lines[0].get_ydata(), decay)
    np.testing.assert_allclose(curves[1].lines[0].get_ydata(), decay * 2)
    assert "loss = 0.5" in curves[0].get_title("right")
    carousel = next(ax for ax in figure.axes if "constant error carousel" in ax.get_title("left"))
    image = carousel.images[0]
    assert image.norm.vmin == pytest.approx(1e-8) and type(image.norm).__name__ == "LogNorm"
    np.testing.assert_allclose(np.asarray(image.get_array())[0], np.clip(decay, 1e-8, 1.0))


def test_heatmap_export_to_a_buffer(setup: Any) -> None:
    network, trace, sequence = setup
    buffer = io.BytesIO()
    figure = render_heatmap_figure(trace, sequence, network, "c_l0", buffer, format="svg")
    assert buffer.getvalue().startswith(b"<?xml")
    assert len(figure.axes) == 2  # the heatmap and its colour bar, no input panel
    assert "cell state" in figure.axes[0].get_title("left")


def test_gru_and_bad_requests_are_refused_with_one_sentence(tmp_path: Path) -> None:
    gru = saturated_network("gru")
    trace = gru.run(np.zeros(5))
    figure = render_trace_figure(trace, None, gru, tmp_path / "gru.png", show="gates")
    assert sum(1 for ax in figure.axes if ax.get_ylabel() == "hidden unit") == 3  # r, z, n
    cases = [
        (dict(show="cell"), "no cell state"),
        (dict(show="output"), "no output layer"),
        (dict(show=["q"]), "no quantity"),
        (dict(units=[7]), "unit 7"),
        (dict(layer=2), "layer"),
        (dict(steps=slice(9, 20)), "selects no step"),
        (dict(show="grad"), "BPTT"),
    ]
    for kwargs, words in cases:
        with pytest.raises(ExportError, match=words):
            render_trace_figure(trace, None, gru, tmp_path / "x.png", **kwargs)
    with pytest.raises(ExportError, match=r"x\.jpg.*png"):
        render_trace_figure(trace, None, gru, tmp_path / "x.jpg")
    with pytest.raises(ExportError, match="missing"):
        render_trace_figure(trace, None, gru, tmp_path / "missing" / "x.png")
    with pytest.raises(ExportError, match=r"300x200 pixels is too small"):
        render_trace_figure(trace, None, gru, tmp_path / "tiny.png", show="all", units=[0, 1], size=(300, 200))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gru.png"]  # no temp file left behind


def test_one_hot_text_input_is_a_heatmap_labelled_by_characters(tmp_path: Path) -> None:
    text = "abcab"
    vocabulary = ("a", "b", "c")
    one_hot = np.eye(3)[[vocabulary.index(ch) for ch in text]]
    sequence = SequenceData(values=one_hot, input_labels=vocabulary, vocabulary=vocabulary, text=text, source="t.txt")
    network = Network.random("rnn", 3, 4, seed=0)
    figure = render_trace_figure(network.run(one_hot), sequence, network, tmp_path / "t.png", show="hidden")
    top = figure.axes[0]
    assert top.images and [t.get_text() for t in top.get_yticklabels()] == list(vocabulary)
    np.testing.assert_array_equal(np.asarray(top.images[0].get_array()), one_hot.T)


def test_vanishing_gradients_far_below_the_peak_still_render(tmp_path: Path, setup: Any) -> None:
    network, trace, sequence = setup
    tiny = 10.0 ** -np.linspace(0, 300, trace.steps)[::-1]  # down to 1e-300: hundreds of decades
    grads = {
        "loss": np.float64(1.0),
        "grad_norm_h_l0": tiny,
        "jacobian_norm_l0": tiny,
        "cec_l0": np.tile(tiny[:, None], (1, H)),
    }
    figure = render_trace_figure(trace, sequence, network, tmp_path / "v.png", show="grad", grads=grads, units=[0])
    low, high = figure.axes[1].get_ylim()
    assert high >= 1.0 and low >= 1e-21  # floored 20 decades below the peak


def test_heatmap_export_of_a_deeper_layer_names_that_layer(tmp_path: Path) -> None:
    network = Network.random("gru", 1, 4, 2, seed=1)
    trace = network.run(np.linspace(-1, 1, 20))
    figure = render_heatmap_figure(trace, None, network, "h_l1", tmp_path / "h1.png")
    assert "showing layer 1" in figure._suptitle.get_text()
    assert "(layer 1)" in figure.axes[0].get_title("left")
    np.testing.assert_array_equal(np.asarray(figure.axes[0].images[0].get_array()), trace["h_l1"].T)


def test_uneven_time_places_each_step_at_its_own_time(tmp_path: Path) -> None:
    import matplotlib.image

    # Steps at t = 0..4, then a gap to 20; unit 0 of the input gate is open (1) only at the last step. A plain image
    # would give each step an equal width (the last would start at 17); placed by time it starts half way, at 12.
    time = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 20.0])
    sequence = SequenceData(values=np.array([-1, -1, -1, -1, -1, 1.0]), time=time, time_label="day", source="gaps")
    rows = 4 * H
    weight_ih = np.zeros((rows, 1))
    weight_ih[0] = SATURATED  # i unit 0 = sigma(30 x): 0 before the gap, 1 after it
    params = {
        "weight_ih_l0": weight_ih,
        "weight_hh_l0": np.zeros((rows, H)),
        "bias_ih_l0": np.zeros(rows),
        "bias_hh_l0": np.zeros(rows),
    }
    network = Network("lstm", 1, H, params=params)
    out = tmp_path / "gaps.png"
    figure = render_trace_figure(network.run(sequence.values), sequence, network, out, show=["i"], dpi=100)
    image = matplotlib.image.imread(out)
    heat = next(ax for ax in figure.axes if ax.images and ax.get_ylabel() == "hidden unit")
    left, right = heat.get_xlim()
    fy = 1.0 - 0.5 / H  # unit 0
    for t, value in ((2.0, 0.0), (10.0, 0.0), (14.0, 1.0), (19.0, 1.0)):
        got = _pixel(image, figure, heat, (t - left) / (right - left), fy)
        np.testing.assert_allclose(got, _expected("viridis", value), atol=0.03, err_msg=f"t={t}")


RESOURCES = Path(__file__).resolve().parents[2] / "resources"
SHIPPED = sorted(p.name for p in (RESOURCES / "weights").glob("*.npz"))
SELECTIONS = [None, (0, 2, 5), (1, 7)]


@pytest.mark.parametrize("model", SHIPPED)
def test_every_show_choice_of_every_shipped_model_exports(tmp_path: Path, model: str) -> None:
    """Selected units are hidden units; the output panels show the output's own units, whatever is selected
    (the default selection 0, 2, 5 is beyond every shipped model's one output)."""
    from lstmviz.io.fig_data import SHOW_CHOICES
    from lstmviz.io.weights import load_weights

    network = load_weights(RESOURCES / "weights" / model)
    x = np.sin(np.arange(60)[:, None] / 5.0 + np.arange(network.input_size))
    trace = network.run(x)
    grads = network.bptt(x, trace=trace)
    for show in SHOW_CHOICES:
        if show == "cell" and network.cell != "lstm":
            continue
        for units in SELECTIONS:
            figure = render_trace_figure(
                trace, SequenceData(x), network, tmp_path / f"{show}.png", show=show, units=units, grads=grads, dpi=40
            )
            titles = [ax.get_title("left") for ax in figure.axes]
            if show in ("output", "all"):
                output = next(ax for ax in figure.axes if ax.get_title("left") == "output $y_t$")
                np.testing.assert_allclose(output.lines[0].get_ydata(), trace["y"][:, 0])  # a curve: O = 1
                assert not output.images
            if units and show != "output":
                assert any(ax.lines and ax.get_ylabel() == "$h_t$" for ax in figure.axes) or show != "hidden"
            assert titles


def test_a_wide_output_is_a_heatmap_of_its_own_units(tmp_path: Path) -> None:
    network = Network.random("gru", 2, 4, seed=1, output_size=6, output_activation="softmax")
    x = np.random.default_rng(0).normal(size=(30, 2))
    trace = network.run(x)
    figure = render_trace_figure(trace, None, network, tmp_path / "y.png", show="output", units=[0, 3])
    heat = next(ax for ax in figure.axes if ax.images and ax.get_ylabel() == "output unit")
    np.testing.assert_allclose(np.asarray(heat.images[0].get_array()), trace["y"].T)
    assert not [ax for ax in figure.axes if ax.lines and ax.get_ylabel() == "$y_t$"]  # no line row for hidden units


def test_small_output_curves_overlay_the_next_input_only_when_predicted(tmp_path: Path) -> None:
    """Hand-built outputs: y_t = x_{t+1} exactly is a next-value model; y_t = -x_t is not."""
    import dataclasses

    from lstmviz.io.fig_data import predicts_next_input

    x = np.sin(np.arange(50) / 4.0)[:, None]
    ahead = np.vstack([x[1:], x[-1:]])
    assert predicts_next_input(ahead, x) and not predicts_next_input(-x, x)
    network = Network.random("rnn", 1, 3, seed=0, output_size=1)
    trace = network.run(x)
    for y, overlaid in ((ahead, True), (-x, False)):
        fake = dataclasses.replace(trace, arrays={**trace.arrays, "y": y})
        figure = render_trace_figure(fake, None, network, tmp_path / "o.png", show="output")
        output = next(ax for ax in figure.axes if ax.get_title("left") == "output $y_t$")
        assert len(output.lines) == (2 if overlaid else 1)
        if overlaid:
            np.testing.assert_allclose(output.lines[1].get_ydata()[:-1], x[1:, 0])
            assert "MSE vs" in output.get_title("right")


def test_slide_preset_and_edited_title(tmp_path: Path, setup: Any) -> None:
    import matplotlib.image

    network, trace, sequence = setup
    out = tmp_path / "slide.png"
    figure = render_trace_figure(
        trace, sequence, network, out, show="gates", units=[0], aspect="16:9", dpi=100, edited=True
    )
    height, width = matplotlib.image.imread(out).shape[:2]
    assert (width, height) == (1333, 750)
    assert "edited" in figure._suptitle.get_text()
    bars = [ax for ax in figure.axes if ax.get_label() == "<side>" and ax.child_axes]
    assert bars[0].child_axes[0].get_ylabel() == "$i_t$ in [0, 1]"  # colour bars say what they measure
    with pytest.raises(ExportError, match="aspect"):
        render_trace_figure(trace, sequence, network, out, aspect="2:1")
