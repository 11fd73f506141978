"""lstmviz.gui.dialogs."""
