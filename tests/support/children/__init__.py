"""Scripts the annotation-store tests run as child processes (``python -m ...``)."""
