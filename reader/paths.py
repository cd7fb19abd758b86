"""Where postil keeps things: platformdirs locations, each overridable by flag or environment.

| what | flag | environment | default |
| --- | --- | --- | --- |
| annotation database | ``--db`` | ``POSTIL_DB`` | ``<user data dir>/postil.json`` |
| library folders | ``--library`` | ``POSTIL_LIBRARY`` (os.pathsep-sep.) | ``<data dir>/library`` |
| settings | ``--config`` | ``POSTIL_CONFIG`` | ``<user config dir>/config.toml`` |
| metadata cache | | ``POSTIL_CACHE`` | ``<user cache dir>`` |
| sync folder | ``--sync-dir`` | ``POSTIL_SYNC_DIR`` | setting ``sync_dir`` (none) |
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from platformdirs import user_cache_dir, user_config_dir, user_data_dir

if TYPE_CHECKING:
    from annotations.export.guard import WriteGuard

APP_NAME = "postil"
_PACKAGE_DIR = Path(__file__).resolve().parent


def data_dir() -> Path:
    """The user data directory (database, library, exports)."""
    return Path(user_data_dir(APP_NAME, appauthor=False))


def config_dir() -> Path:
    """The user config directory (settings)."""
    return Path(user_config_dir(APP_NAME, appauthor=False))


def cache_dir() -> Path:
    """The cache directory (library metadata, search index); ``POSTIL_CACHE`` overrides it."""
    override = os.environ.get("POSTIL_CACHE")
    return Path(override) if override else Path(user_cache_dir(APP_NAME, appauthor=False))


def default_db_path() -> Path:
    """The annotation database: ``POSTIL_DB`` or ``<data dir>/postil.json``."""
    override = os.environ.get("POSTIL_DB")
    return Path(override).expanduser() if override else data_dir() / "postil.json"


def env_sync_dir() -> Path | None:
    """The sync folder from ``POSTIL_SYNC_DIR``, if set."""
    value = os.environ.get("POSTIL_SYNC_DIR", "").strip()
    return Path(value).expanduser() if value else None


def default_library_dir() -> Path:
    """The user's own library folder, where ``postil add`` puts articles."""
    return data_dir() / "library"


def env_library_paths() -> list[Path]:
    """Library folders from ``POSTIL_LIBRARY`` (os.pathsep-separated), if set."""
    value = os.environ.get("POSTIL_LIBRARY", "")
    return [Path(part).expanduser() for part in value.split(os.pathsep) if part.strip()]


def default_config_path() -> Path:
    """The settings file: ``POSTIL_CONFIG`` or ``<config dir>/config.toml``."""
    override = os.environ.get("POSTIL_CONFIG")
    return Path(override).expanduser() if override else config_dir() / "config.toml"


def default_export_dir() -> Path:
    """Where the reader's export key writes Markdown files."""
    return data_dir() / "exports"


def _bundled(name: str) -> Path:
    installed = _PACKAGE_DIR / "_data" / name
    if installed.is_dir():
        return installed
    return _PACKAGE_DIR.parent / name


def seeds_dir() -> Path:
    """The bundled sample articles (the default library on a fresh machine)."""
    return _bundled("seeds")


def styles_dir() -> Path:
    """The app's Textual CSS files."""
    return _bundled("styles")


def export_guard(
    db_path: Path, config_path: Path, library_roots: list[Path], articles: list[Path] | None = None
) -> WriteGuard:
    """Where exports must never write: the database, the settings, the library, the
    ``articles`` and the cache."""
    from annotations.export.guard import WriteGuard

    return WriteGuard.build(
        database=db_path,
        settings=config_path,
        library=library_roots,
        articles=articles or [],
        others=[(cache_dir(), "postil's cache folder")],
    )
