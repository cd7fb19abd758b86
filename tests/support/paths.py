"""Paths the tests share: the repository root and the bundled sample article with its metadata."""

from __future__ import annotations

from pathlib import Path

#: The repository's root folder (child processes run with it as their working directory).
ROOT = Path(__file__).resolve().parent.parent.parent
#: The bundled sample article (plain text scraped from a web page, with its site chrome).
SEED = ROOT / "seeds" / "huawei-no-spy-deal.txt"
#: The title postil finds for :data:`SEED`.
SEED_TITLE = "Huawei Chairman Considering Signing a No-Spy Deal with the United States"
#: The byline postil finds for :data:`SEED`.
SEED_AUTHOR = "Susan Fourtané"
