"""Widgets for the rbm chapter (filled in with the chapter)."""

__all__: list[str] = []
