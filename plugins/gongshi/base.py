"""Base class for the portal's page-family generators (Pelican's Generator shape).

Every page family (agencies, matters, laws, ...) is one small subclass in its own module with the
two Pelican phases: `generate_context()` computes what it needs from the ContentStore and shares
it through `self.context`; `generate_output(writer)` writes its pages. Shared Jinja helpers
(URL builders, Chinese dates) are installed here once for every family.
"""

from __future__ import annotations

from pelican.generators import Generator

from .store import ContentStore


class FamilyGenerator(Generator):
    #: short name of the page family, used in logs and the build summary
    family = "base"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.store = ContentStore.for_context(self.context, self.settings)
        from . import jinja_helpers  # late import: helpers may need the settings

        jinja_helpers.install(self.env, self.settings, self.store)

    def write(self, writer, path: str, template: str, **variables) -> None:
        """Write one page at `path` (relative to the output folder, e.g. 'agencies/x/index.html')."""
        writer.write_file(path, self.get_template(template), self.context, **variables)
