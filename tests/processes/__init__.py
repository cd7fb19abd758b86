"""Process tests: several processes on one database, SIGKILL mid-write, locks held elsewhere."""
