"""404.html at the output root (static hosts and nginx serve it for unknown paths)."""

from __future__ import annotations

from ..base import FamilyGenerator


class ErrorPageGenerator(FamilyGenerator):
    family = "errors"

    def generate_output(self, writer):
        self.write(writer, "404.html", "404.html", title="页面不存在")


GENERATORS = [ErrorPageGenerator]
