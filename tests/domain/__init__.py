"""Domain tests: annotations, formats, library, search, one-process storage (no UI, no argparse)."""
