"""lstmviz.gui."""

import pyqtgraph as _pg

# Once, before any view is built: otherwise every (T, H) heatmap comes out transposed.
_pg.setConfigOptions(imageAxisOrder="row-major", antialias=True)
