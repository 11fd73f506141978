"""The I/O layer's exceptions: one per kind of file, each carrying one sentence for the user.

The message always names the file and the problem, e.g. ``data.csv: row 17, column "price": 'abc' is not a
number``. The CLI prints it on one line and exits 2; the GUI shows it in a dialog.
"""


class FileFormatError(ValueError):
    """Base class: a file lstmviz cannot use, with a message fit to show as is."""


class SequenceError(FileFormatError):
    """A sequence file (csv, npy, npz, json, text) that cannot be read as a sequence."""


class WeightsError(FileFormatError):
    """A weight file that does not describe a network lstmviz can run."""


class WorkspaceError(FileFormatError):
    """A ``.lstmviz`` workspace that cannot be opened."""


class ExportError(FileFormatError):
    """A figure or trace that cannot be written where asked."""
