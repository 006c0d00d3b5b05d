"""Pelican plugin that renders the Gongshi portal from content/ YAML.

Each page family is one generator module; GENERATOR_MODULES lists them in build order (later
families may read what earlier ones put into the context, e.g. the search index reads page URLs).
"""

from __future__ import annotations

import importlib

from pelican import signals

GENERATOR_MODULES: list[str] = [
    # filled in as page families land, e.g. "generators.agencies"
]


def _generator_classes(pelican_obj):
    classes = []
    for name in GENERATOR_MODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        classes.extend(module.GENERATORS)
    return classes


def register():
    signals.get_generators.connect(_generator_classes)
