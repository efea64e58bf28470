"""Plots for the activations chapter (filled in with the chapter)."""

__all__: list[str] = []
