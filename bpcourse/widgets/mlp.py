"""Widgets for the mlp chapter (filled in with the chapter)."""

__all__: list[str] = []
