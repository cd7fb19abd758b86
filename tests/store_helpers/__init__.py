"""Scripts run as child processes by the storage safety tests."""
