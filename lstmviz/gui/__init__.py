"""lstmviz.gui."""
