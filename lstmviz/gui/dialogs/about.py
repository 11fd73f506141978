"""Help: About lstmviz and a short guide to reading the gate diagram (built from the cell's spec)."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QMessageBox, QTextBrowser, QVBoxLayout, QWidget

from ... import __version__ as VERSION
from ...engine.spec import CellSpec
from ..views.diagram_scene import symbol_html

ABOUT_TEXT = f"""
<h3>lstmviz {VERSION}</h3>
<p>See inside recurrent neural networks: the gates, cell state and gradients of RNN, GRU and LSTM cells, step by
step, on your own sequences.</p>
<p>The engine is plain NumPy and matches PyTorch's <code>nn.RNN</code>, <code>nn.GRU</code> and <code>nn.LSTM</code>
(same parameter names and gate order), so weights trained in PyTorch open as they are.</p>
<p>Built with PySide6 (Qt), pyqtgraph and matplotlib. MIT licence.</p>
"""

GUIDE_INTRO = """
<h3>How to read the diagram</h3>
<p>The centre of the window draws one cell the way the textbooks do. Data flows from the bottom (the input
<i>x<sub>t</sub></i> and the previous hidden state <i>h<sub>t−1</sub></i>) through the gates to the new states.</p>
<ul>
<li>Every gate and state shows its vector <b>at the current step</b> as a strip of coloured cells, one per unit.
Gates (sigmoid, between 0 and 1) use the viridis scale: <b>yellow = open (1)</b>, dark purple = closed (0).
Signed values (states, candidates, weights) use blue - white - red, centred on zero.</li>
<li>Hover anything to read its name, equation and numbers; click a unit to select it in every view; the
<b>Numbers</b> panel then shows each equation with that unit's numbers substituted.</li>
<li>Play, step or scrub through the sequence with the toolbar (Space, Left, Right, Home, End); the heatmaps below
show every unit over the whole sequence, with a line at the current step.</li>
<li>Drag a weight or a bias in the <b>Weights</b> panel and everything recomputes at once; Ctrl+Z undoes it.</li>
<li>Zoom the diagram with Ctrl + mouse wheel or <b>View ▸ Zoom In</b> (Ctrl +), drag to pan, and double-click the
background or press Ctrl+0 to fit the whole cell again.</li>
</ul>
"""


def math_html(equation: str) -> str:
    """A spec equation written as in a textbook (σ, C̃, subscripts, ·), not as code."""
    text = html.escape(equation).replace("sigma(", "σ(").replace(" * ", " · ")
    return symbol_html(text)


def guide_html(spec: CellSpec) -> str:
    """The guide with the current cell's gates and equations listed from its spec (no hard-coded gate lists)."""
    rows = []
    for key in spec.trace_keys():
        title, symbol, equation = spec.describe(key)
        rows.append(
            f"<tr><td><b>{symbol_html(html.escape(symbol))}</b></td><td>{html.escape(title)}</td>"
            f"<td>{math_html(equation)}</td></tr>"
        )
    table = (
        f"<h4>The {html.escape(spec.title)} cell</h4>"
        "<table cellspacing='6'><tr><th align='left'>symbol</th><th align='left'>what</th>"
        "<th align='left'>equation</th></tr>" + "".join(rows) + "</table>"
        "<p>σ is the logistic sigmoid 1 / (1 + e<sup>−x</sup>), · the product of two vectors unit by unit; "
        "W and b are the weights and biases under PyTorch's names (W<sub>if</sub> is the forget gate's block of "
        "<code>weight_ih</code>).</p>"
    )
    return GUIDE_INTRO + table


def show_about(parent: QWidget | None) -> None:
    QMessageBox.about(parent, "About lstmviz", ABOUT_TEXT)


class GuideDialog(QDialog):
    """A non-modal help window that can stay open beside the diagram."""

    def __init__(self, spec: CellSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dialog_guide")
        self.setWindowTitle("How to read the diagram")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        layout = QVBoxLayout(self)
        self.browser = QTextBrowser(self)
        self.browser.setOpenExternalLinks(True)
        self.browser.setHtml(guide_html(spec))
        layout.addWidget(self.browser)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.close)
        layout.addWidget(buttons)
        self.resize(620, 560)


def show_guide(parent: QWidget | None, spec: CellSpec) -> GuideDialog:
    dialog = GuideDialog(spec, parent)
    dialog.show()
    return dialog
