"""Render the portal from content/ with Pelican, programmatically (no pelican CLI, no subprocess).

The settings file gives the theme and plugin; the content and output folders and the GONGSHI_*
values are layered on top, so one settings file serves development, tests and production.
"""

from __future__ import annotations

import logging
import os
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _settings(content_dir: str, output_dir: str, settings_file: str, codes_path: str | None,
              extra_settings: dict | None) -> dict:
    from pelican.settings import read_settings

    override = {
        "PATH": os.path.abspath(content_dir),
        "OUTPUT_PATH": os.path.abspath(output_dir),
        # relative to the repository, whatever the caller's working directory
        "THEME": os.path.join(REPO_ROOT, "theme"),
        "PLUGIN_PATHS": [os.path.join(REPO_ROOT, "plugins")],
        "GONGSHI_CODES_FILE": os.path.abspath(codes_path) if codes_path else None,
    }
    override.update(extra_settings or {})
    if not os.path.isabs(settings_file) and not os.path.exists(settings_file):
        settings_file = os.path.join(REPO_ROOT, settings_file)
    return read_settings(settings_file, override=override)


def render_site(content_dir: str, output_dir: str, *, settings_file: str = "pelicanconf.py",
                codes_path: str | None = None, extra_settings: dict | None = None) -> float:
    """Render content_dir into output_dir; returns the seconds it took.

    Raises RuntimeError when Pelican logged errors (a template crash must fail the build)."""
    from pelican import Pelican

    from pipeline import lookup_crypto
    from pipeline.gc_tuning import no_full_collections, release_memory

    if not os.path.isdir(content_dir):
        raise FileNotFoundError(f"content folder not found: {content_dir}")
    started = time.perf_counter()
    release_memory()  # a pull in this process (pipeline build) left its garbage: reuse that room
    # Pelican logs one INFO line per written file; at 10k+ pages that is real time.
    logging.getLogger("pelican").setLevel(logging.WARNING)
    errors = _ErrorCounter()
    logging.getLogger().addHandler(errors)
    try:
        settings = _settings(content_dir, output_dir, settings_file, codes_path, extra_settings)
        with no_full_collections():
            Pelican(settings).run()
    finally:
        logging.getLogger().removeHandler(errors)
        # a failed build may not have collected the lookup's background key derivations
        lookup_crypto.stop_all()
        # the store and every page context are garbage now (in cycles through Pelican's
        # generators): free them before the leak gate and link check, which fork workers
        release_memory()
    if errors.messages:
        raise RuntimeError("rendering failed: " + "; ".join(errors.messages[:5]))
    return time.perf_counter() - started


class _ErrorCounter(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())
