"""lstmviz.io."""
