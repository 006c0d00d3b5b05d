"""Writing pages and data files into the output folder with the fewest system calls and copies.

Pelican's Writer.write_file is built for a blog's few hundred pages; per page it copies the whole
context (settings included) and Template.render copies it twice more, os.makedirs(exist_ok=True)
makes a mkdir system call even when the folder exists (every page but the first of a folder),
and a text-mode open adds fstat, ioctl and two lseek calls. At 60,000 files a build (pages and
one open-data JSON per record) that is seconds. Here:

  - file_io.create_file() opens the file straight away and makes its folder only when the open
    says it is missing;
  - render() gives Jinja one merged dict as the template's context, the same names and values
    Template.render(Writer's local context) resolves, in one copy instead of three;
  - write_page() does what Writer.write_file does for our calls (no pagination: the portal's
    PAGINATED_TEMPLATES is empty and it never passes `articles`/`dates`), including Pelican's
    refusal to write one file twice and its content_written signal when anything listens, and
    hands anything unusual (another writer, a path written before, one of write_file's own
    keyword names among the variables) to Pelican itself.
The files are byte for byte what Pelican writes (UTF-8, "\\n" line ends, mode 0o666 & ~umask).
"""

from __future__ import annotations

import logging
import os
from collections import ChainMap

from pelican.plugins import signals
from pelican.utils import sanitised_join
from pelican.writers import Writer

from .file_io import create_file

log = logging.getLogger("pelican.writers")  # Pelican's own 'Writing "…"' line, at INFO

# Writer.write_file's own parameters: a page variable of that name never reaches the template
_WRITER_PARAMETERS = frozenset({"relative_urls", "paginated", "template_name",
                                "override_output", "url"})


def _flat_globals(globals_) -> dict:
    """dict(template.globals): Jinja keeps them as ChainMap(template's own, env.globals), and
    copying a ChainMap goes through Python-level __getitem__ per name; the maps are merged here
    with C-level dict updates instead (same names, the first map winning)."""
    if type(globals_) is ChainMap:
        flat: dict = {}
        for layer in reversed(globals_.maps):
            flat.update(layer)
        return flat
    return dict(globals_)


def render(template, context: dict, variables: dict, output_file: str) -> str:
    """template.render() of Writer.write_file's local context (context + localsiteurl +
    output_file + variables) on top of the template's globals, built as one dict that Jinja
    takes as it is (shared=True) instead of copying it."""
    parent = _flat_globals(template.globals)
    parent.update(context)
    parent["localsiteurl"] = context.get("localsiteurl")
    parent["output_file"] = output_file
    parent.update(variables)
    ctx = template.new_context(parent, shared=True)
    try:
        return template.environment.concat(template.root_render_func(ctx))
    except Exception:
        template.environment.handle_exception()  # Jinja's traceback rewriting, as render() does


class PageWriter:
    """Writes the pages of one output folder (one per generator; they share nothing but the
    Pelican writer, whose record of written files is kept up to date)."""

    def __init__(self, output_path: str):
        self.output_path = output_path
        self._root: str | None = None  # the output folder's absolute path + '/'

    def target(self, name: str) -> str:
        """sanitised_join(output_path, name) as Pelican computes it: a plain relative path (no
        empty, "." or ".." part, not absolute) is the output folder + "/" + name; anything else
        goes to sanitised_join (which raises for a path outside the output folder)."""
        if self._root is None:
            self._root = sanitised_join(self.output_path, ".").rstrip("/") + "/"
        bounded = "/" + name + "/"
        if "//" not in bounded and "/./" not in bounded and "/../" not in bounded:
            return self._root + name
        return sanitised_join(self.output_path, name)

    def write_page(self, writer, name: str, template, context: dict, variables: dict,
                   stat: bool = False) -> os.stat_result | None:
        """writer.write_file(name, template, context, **variables), leaner; with stat=True the
        written file's stat (for the render cache's manifest), else None."""
        if type(writer) is not Writer or not name or not _WRITER_PARAMETERS.isdisjoint(variables):
            return self._by_pelican(writer, name, template, context, variables, stat)
        target = self.target(name)
        if target in writer._written_files or target in writer._overridden_files:
            # Pelican decides (it refuses to write a file twice)
            return self._by_pelican(writer, name, template, context, variables, stat)
        localsiteurl = variables["localsiteurl"] if "localsiteurl" in variables \
            else context.get("localsiteurl")
        if localsiteurl:  # Writer.write_file passes a page's localsiteurl on to the context
            context["localsiteurl"] = localsiteurl
        output = render(template, context, variables, name)
        writer._written_files.add(target)
        st = create_file(target, output.encode("utf-8"), stat)
        if log.isEnabledFor(logging.INFO):
            log.info('Writing "%s"', target)
        if signals.content_written.receivers:  # nothing in this project listens
            local = context.copy()
            local["localsiteurl"] = context.get("localsiteurl")
            local["output_file"] = name
            local.update(variables)
            signals.content_written.send(target, context=local)
        return st

    def _by_pelican(self, writer, name, template, context, variables, stat):
        writer.write_file(name, template, context, **variables)
        return os.stat(self.target(name)) if stat and name else None
