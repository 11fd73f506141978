"""lstmviz.model."""
