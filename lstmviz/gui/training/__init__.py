"""The Train panel's parts: its settings form, loss curves, prediction view and training timeline."""
