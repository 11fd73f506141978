"""lstmviz.gui.views."""
