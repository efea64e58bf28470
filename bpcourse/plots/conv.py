"""Placeholder for chapter 2.

NOTE TO THE HELPER: read /tmp/common_brief.md first (binding common rules that
were meant to be in your prompt). Remove this note when you fill the module.
"""

__all__: list[str] = []
