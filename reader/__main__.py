"""``python -m reader`` runs the postil command line."""

from reader.cli import main

raise SystemExit(main())
