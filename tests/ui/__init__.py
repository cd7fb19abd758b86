"""UI tests: the Textual app driven by Pilot (keys, screens, workers)."""
