"""The Train panel's settings: the task and its parameters, the network, the optimiser, the run.

The form turns its controls into the two things a run needs, a :class:`~lstmviz.model.training.TrainingConfig`
and a :class:`~lstmviz.io.tasks.Task` (built by :func:`~lstmviz.io.tasks.make_task`, so the app and ``lstmviz
train`` accept and refuse the same settings). Only the parameters of the chosen task are shown.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QFormLayout, QSpinBox, QWidget

from ...engine.kernels import kernel_for
from ...engine.spec import cell_kinds
from ...io.sequence_data import SequenceData
from ...io.tasks import Task, make_task
from ...model.training import DEFAULT_LR, TrainingConfig

TASK_CHOICES: tuple[tuple[str, str, str], ...] = (
    ("copy", "copy", "Recall a symbol shown at step 0 after a delay of blank steps, at a cue (cross-entropy)"),
    ("adding", "adding", "Output the sum of the two marked values in a noisy sequence (MSE at the last step)"),
    (
        "next-value",
        "next value of this sequence",
        "Forecast the loaded numeric sequence a few steps ahead (the last 20% validates)",
    ),
    (
        "next-char",
        "next character of this text",
        "Predict the next character of the loaded text (open a text file with one-hot characters)",
    ),
)
TASK_PARAMETERS: dict[str, tuple[str, ...]] = {
    "copy": ("delay", "symbols"),
    "adding": ("length",),
    "next-value": ("window", "horizon"),
    "next-char": ("window",),
}
"""Which parameter rows each task shows (the names of :func:`make_task`'s options)."""
VALIDATE_EVERY = 50
"""Updates between two validation points on the plot."""


def spin(low: int, high: int, value: int, tip: str, off: str | None = None) -> QSpinBox:
    """An integer box; ``off`` names its lowest value when that value means "not used"."""
    box = QSpinBox()
    box.setRange(low, high)
    box.setValue(value)
    box.setToolTip(tip)
    if off is not None:
        box.setSpecialValueText(off)
    return box


def real(
    low: float, high: float, value: float, decimals: int, step: float, tip: str, off: str | None = None
) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setDecimals(decimals)
    box.setRange(low, high)
    box.setSingleStep(step)
    box.setValue(value)
    box.setToolTip(tip)
    if off is not None:
        box.setSpecialValueText(off)
    return box


def combo(items: tuple[tuple[str, str], ...], current: str, tip: str) -> QComboBox:
    box = QComboBox()
    for key, title in items:
        box.addItem(title, key)
    box.setCurrentIndex(box.findData(current))
    box.setToolTip(tip)
    return box


class TrainSettings(QWidget):
    """Every setting of a run, with a tooltip each; :meth:`config` and :meth:`make_task` read them.

    A trainer of another kind of model (the encoder-decoder's) subclasses it with its own :attr:`TASKS` and
    :attr:`PARAMETERS`, hides the settings it has no use for (:attr:`UNUSED`) and builds its own task.
    """

    TASKS: tuple[tuple[str, str, str], ...] = TASK_CHOICES
    """(key, title, tooltip) of each task in the list, the first chosen at the start."""
    PARAMETERS: dict[str, tuple[str, ...]] = TASK_PARAMETERS
    """Which parameter rows each task shows."""
    UNUSED: tuple[str, ...] = ()
    """Attribute names of setting boxes whose rows stay hidden (their trainer ignores them)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.task_box = combo(
            tuple((key, title) for key, title, _ in self.TASKS), self.TASKS[0][0], "What the network learns"
        )
        for index, (_, _, tip) in enumerate(self.TASKS):
            self.task_box.setItemData(index, tip, 3)  # Qt.ToolTipRole: each task explains itself in the list
        self.delay_box = spin(0, 100_000, 20, "copy: blank steps between the symbol and the recall cue")
        self.symbols_box = spin(1, 26, 8, "copy: how many symbols there are to remember (chance is 1/symbols)")
        self.length_box = spin(2, 100_000, 50, "adding: steps per sequence (one marked value in each half)")
        self.window_box = spin(1, 100_000, 20, "next value / next character: steps per training window")
        self.horizon_box = spin(1, 100_000, 1, "next value: how many steps ahead to predict")
        trainable = tuple((k, k.upper()) for k in cell_kinds() if kernel_for(k).batched is not None)
        self.cell_box = combo(trainable, "lstm", "Cell type of the network trained")
        self.hidden_box = spin(1, 1024, 32, "Hidden units per layer")
        self.layers_box = spin(1, 8, 1, "Stacked recurrent layers")
        self.optimizer_box = combo(
            (("adam", "Adam"), ("sgd", "SGD")),
            "adam",
            "Adam (PyTorch's defaults) or plain SGD, optionally with momentum",
        )
        self.momentum_box = real(0.0, 0.999, 0.9, 3, 0.05, "SGD's momentum (0 = plain SGD; Adam ignores it)")
        self.lr_box = real(0.00001, 10.0, DEFAULT_LR, 5, 0.0005, "Learning rate of the optimiser")
        self.batch_box = spin(1, 4096, 32, "Sequences per update")
        self.clip_box = real(
            0.0, 1000.0, 1.0, 2, 0.5, "Clip the gradient to this global norm before each update", off="off"
        )
        self.tbptt_box = spin(
            0,
            100_000,
            0,
            "Truncated BPTT: one update per chunk of this many steps, the state carried over without gradient",
            off="off (full BPTT)",
        )
        self.updates_box = spin(1, 1_000_000, 2000, "How many optimiser updates the run makes")
        self.snapshot_box = spin(
            1,
            1_000_000,
            10,
            "Keep a snapshot of the weights every this many updates for the "
            "timeline (at most 200: when full, every second one goes and the spacing doubles)",
        )
        self.seed_box = spin(
            0, 2**31 - 1, 0, "Seed of the initial weights and of the data order (same seed, same run to the last digit)"
        )
        self.parameter_boxes: dict[str, QSpinBox] = {
            "delay": self.delay_box,
            "symbols": self.symbols_box,
            "length": self.length_box,
            "window": self.window_box,
            "horizon": self.horizon_box,
        }
        self.form = QFormLayout(self)
        self.form.setContentsMargins(0, 0, 0, 0)
        rows: tuple[tuple[str, QWidget], ...] = (
            ("Task", self.task_box),
            ("Delay", self.delay_box),
            ("Symbols", self.symbols_box),
            ("Length", self.length_box),
            ("Window", self.window_box),
            ("Horizon", self.horizon_box),
            ("Cell", self.cell_box),
            ("Hidden", self.hidden_box),
            ("Layers", self.layers_box),
            ("Optimiser", self.optimizer_box),
            ("Momentum", self.momentum_box),
            ("Learning rate", self.lr_box),
            ("Batch", self.batch_box),
            ("Clip norm", self.clip_box),
            ("Truncate BPTT", self.tbptt_box),
            ("Updates", self.updates_box),
            ("Snapshot every", self.snapshot_box),
            ("Seed", self.seed_box),
        )
        for label, widget in rows:
            self.form.addRow(label, widget)
        for name in self.UNUSED:
            self.form.setRowVisible(getattr(self, name), False)
        self.task_box.currentIndexChanged.connect(self._show_rows)
        self.optimizer_box.currentIndexChanged.connect(self._show_rows)
        self._show_rows()

    @property
    def task_key(self) -> str:
        return str(self.task_box.currentData())

    def choose_task(self, key: str) -> None:
        self.task_box.setCurrentIndex(self.task_box.findData(key))

    def _show_rows(self, *_: Any) -> None:
        shown = self.PARAMETERS[self.task_key]
        for name, box in self.parameter_boxes.items():
            self.form.setRowVisible(box, name in shown)
        self.momentum_box.setEnabled(self.optimizer_box.currentData() == "sgd")

    def config(self) -> TrainingConfig:
        """The run's settings (raises EngineError for a combination the optimiser refuses)."""
        clip = self.clip_box.value()
        return TrainingConfig(
            cell=str(self.cell_box.currentData()),
            hidden=self.hidden_box.value(),
            layers=self.layers_box.value(),
            updates=self.updates_box.value(),
            batch=self.batch_box.value(),
            lr=self.lr_box.value(),
            optimizer=str(self.optimizer_box.currentData()),
            momentum=self.momentum_box.value() if self.optimizer_box.currentData() == "sgd" else 0.0,
            clip=clip if clip > 0 else None,
            tbptt=self.tbptt_box.value() or None,
            seed=self.seed_box.value(),
            validate_every=VALIDATE_EVERY,
        )

    def make_task(self, sequence: SequenceData) -> Task:
        """The chosen task with the shown parameters (raises TaskError with a sentence for the user)."""
        options = {name: self.parameter_boxes[name].value() for name in self.PARAMETERS[self.task_key]}
        return make_task(self.task_key, sequence, seed=self.seed_box.value(), **options)
