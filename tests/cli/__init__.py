"""CLI tests: the `postil` commands, their output, exit codes and error messages."""
