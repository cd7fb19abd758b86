"""Scripts the annotation-store tests run as separate processes (``python -m ...``)."""
