"""Pelican plugin that renders the Gongshi portal from content/ YAML.

Each page family is one generator module; GENERATOR_MODULES lists them in build order (later
families may read what earlier ones put into the context, e.g. the search index reads page URLs).
A generator class with a `nav = (order, url_kind, label)` attribute gets a link in the main
navigation (theme/templates/base.html) — so the menu only names families this build renders.
"""

from __future__ import annotations

import importlib

from pelican import signals

GENERATOR_MODULES: list[str] = [
    "generators.home",
    "generators.agencies",
    "generators.matters",
    "generators.procedures",
    "generators.laws",
    "generators.decisions",
    "generators.about",
    "generators.errors",
    "generators.catalogue",
    "generators.statistics",
    "generators.blacklist",
    "generators.credit",
    "generators.feeds",
    "generators.opendata",
    "generators.search",
    # feeds no other family; late, so its key derivations (threads started in generate_context)
    # run on another core while the families above render, and start after search's fork
    "generators.lookup",
    # last: lists every page the families above wrote
    "generators.sitemap",
]


def _generator_classes(pelican_obj):
    from . import jinja_helpers

    # GONGSHI_FAMILIES (optional setting) renders only some families, e.g. in fast tests
    only = pelican_obj.settings.get("GONGSHI_FAMILIES")
    classes = []
    for name in GENERATOR_MODULES if only is None else [m for m in GENERATOR_MODULES if m in only]:
        module = importlib.import_module(f"{__name__}.{name}")
        classes.extend(module.GENERATORS)
    jinja_helpers.NAV[:] = sorted({cls.nav for cls in classes if getattr(cls, "nav", None)})
    jinja_helpers.FAMILIES.clear()
    jinja_helpers.FAMILIES.update(getattr(cls, "family", "") for cls in classes)
    return classes


def register():
    from .render_cache import reset, save_all
    from .timings import write_timings

    signals.initialized.connect(reset)
    signals.get_generators.connect(_generator_classes)
    signals.finalized.connect(write_timings)
    signals.finalized.connect(save_all)
