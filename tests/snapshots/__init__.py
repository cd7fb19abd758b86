"""Snapshot tests (pytest-textual-snapshot): the SVGs in __snapshots__/ are the expected screens."""
