"""lstmviz.gui.panels."""
