"""Base class for the portal's page-family generators (Pelican's Generator shape).

Every page family (agencies, matters, laws, ...) is one small subclass in its own module with the
two Pelican phases: `generate_context()` computes what it needs from the ContentStore and shares
it through `self.context`; `generate_output(writer)` writes its pages. Shared Jinja helpers
(URL builders, Chinese dates) are installed here once for every family.

Template variables every page receives (theme/templates/base.html uses them):
  title        the page title (the <title> and, by convention, the page's single <h1>)
  breadcrumbs  [(label, url)] from the home page down to the parent; the current page is `title`
"""

from __future__ import annotations

import functools
import math
import os
import time

import jinja2
from pelican.generators import Generator

from . import timings, urls
from .file_io import create_file
from .page_writer import PageWriter
from .render_cache import PageCache, render_cache_file
from .store import ContentStore

PAGE_SIZE = 50  # rows per page of a paginated listing


class _KeyedByOptions:
    """Jinja keys compiled code by template name and file; the code also depends on the
    environment's syntax options, so they go into the key too (one cache serves every
    environment)."""

    def __init__(self, options: str, *args):
        super().__init__(*args)
        self.options = options

    def get_cache_key(self, name, filename=None):
        return super().get_cache_key(f"{self.options}|{name}", filename)


class _MemoryBytecodeCache(_KeyedByOptions, jinja2.BytecodeCache):
    """Compiled templates kept in memory for this process; Jinja checks the source's checksum
    on load, so an edited template is compiled again."""

    code: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket):
        self.code[bucket.key] = bucket.bytecode_to_string()


class _DiskBytecodeCache(_KeyedByOptions, jinja2.FileSystemBytecodeCache):
    pass


def _options(env) -> str:
    return repr((env.block_start_string, env.block_end_string, env.variable_start_string,
                 env.variable_end_string, env.comment_start_string, env.comment_end_string,
                 env.line_statement_prefix, env.line_comment_prefix, env.trim_blocks,
                 env.lstrip_blocks, env.newline_sequence, env.keep_trailing_newline,
                 env.optimized, env.autoescape if isinstance(env.autoescape, bool) else "fn",
                 sorted(env.extensions)))


def bytecode_cache(settings, env) -> jinja2.BytecodeCache | None:
    """Compiled templates shared by every family's environment: kept on disk in <cache>/jinja/
    between builds when the render cache is on, in memory for this process otherwise. None
    (compile as Jinja does) when autoescape is a function: its result is compiled in."""
    if not isinstance(env.autoescape, bool):
        return None
    folder = render_cache_file(settings, "jinja")
    if not folder:
        return _MemoryBytecodeCache(_options(env))
    os.makedirs(folder, exist_ok=True)
    return _DiskBytecodeCache(_options(env), folder)


def _after_clean(generate_context):
    """generate_context, after the render cache restored the output folder."""
    @functools.wraps(generate_context)
    def wrapper(self, *args, **kwargs):
        self._restore_output()
        return generate_context(self, *args, **kwargs)
    return wrapper


def _without_stale_files(generate_output):
    @functools.wraps(generate_output)
    def wrapper(self, *args, **kwargs):
        cache = PageCache.for_generator(self)
        if cache:
            cache.drop_stale()
        return generate_output(self, *args, **kwargs)
    return wrapper


def _forgetting_rows(generate_output):
    """generate_output, then the table rows its templates kept (table_rows: a family's records'
    rows are made once and reused on its listings; memory after that)."""
    @functools.wraps(generate_output)
    def wrapper(self, *args, **kwargs):
        try:
            return generate_output(self, *args, **kwargs)
        finally:
            from .table_rows import forget_rows  # late, as jinja_helpers (which it imports)

            forget_rows(self.env)
    return wrapper


class FamilyGenerator(Generator):
    #: short name of the page family, used in logs and the build summary
    family = "base"
    #: (order, url kind, label) to get a link in the main navigation; None for no link
    nav: tuple[int, str, str] | None = None
    #: True for a family whose generate_output lists the output folder (the sitemap): the render
    #: cache first deletes last build's files this build did not produce (PageCache.drop_stale)
    reads_output = False

    def __init_subclass__(cls, **kwargs):
        # time each family's phases for the benchmark (plugins/gongshi/timings.py)
        super().__init_subclass__(**kwargs)
        if "generate_output" in cls.__dict__:
            cls.generate_output = _forgetting_rows(cls.__dict__["generate_output"])
        for phase in ("generate_context", "generate_output"):
            if phase in cls.__dict__:
                setattr(cls, phase, timings.timed(phase, cls.__dict__[phase]))
        if "generate_context" in cls.__dict__:
            cls.generate_context = _after_clean(cls.__dict__["generate_context"])
        if cls.__dict__.get("reads_output") and "generate_output" in cls.__dict__:
            cls.generate_output = _without_stale_files(cls.__dict__["generate_output"])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.store = ContentStore.for_context(self.context, self.settings)
        from . import jinja_helpers  # late import: helpers may need the settings

        jinja_helpers.install(self.env, self.settings, self.store)
        # Pelican gives every generator its own Jinja environment, so each family compiled
        # base.html, macros.html … again: share the compiled code (keyed by the template source)
        self.env.bytecode_cache = bytecode_cache(self.settings, self.env)
        # created now, before Pelican empties the output folder: the render cache keeps the
        # previous output's pages (render_cache.PageCache.keep_previous_output)
        PageCache.for_generator(self)

    def generate_context(self):  # most families only need the store
        self._restore_output()

    def _restore_output(self) -> None:
        """Pelican has emptied the output folder by now and nothing is written yet: the render
        cache puts last build's output back (what it can vouch for) before the first family
        runs (PageCache.restore_previous_output; a no-op after the first call)."""
        cache = PageCache.for_generator(self)
        if cache and not cache.restored:
            wall, cpu = time.perf_counter(), time.thread_time()
            cache.restore_previous_output()
            timings.record("render_cache.restore", time.perf_counter() - wall,
                           time.thread_time() - cpu)

    @functools.cached_property
    def _pages(self) -> PageWriter:
        return PageWriter(self.output_path)

    def write(self, writer, path: str, template: str, **variables) -> None:
        """Write one page at `path` (relative to the output folder, e.g. 'agencies/x/index.html')."""
        # Pelican appends the template extension itself
        template = self.get_template(template.removesuffix(".html"))
        cache = PageCache.for_generator(self)  # None unless GONGSHI_RENDER_CACHE is set
        key = cache.key(path, template.name, self.env, self.context, variables) if cache else None
        if key and cache.reuse(path, key):  # unchanged since the last build: kept in place
            return
        if cache and not key:
            cache.discard(path)  # last build's file: never written through (PageCache.discard)
        # what writer.write_file(path, template, self.context, **variables) does, leaner
        st = self._pages.write_page(writer, path, template, self.context, variables,
                                    stat=bool(key))
        if key:
            cache.store(path, key, st=st)

    def write_bytes(self, path: str, data: bytes) -> None:
        """Write a data file at `path` (relative to the output folder); with the render cache on,
        an unchanged one is linked from the last build instead (PageCache.write_bytes)."""
        cache = PageCache.for_generator(self)
        if cache:
            cache.write_bytes(path, data)
            return
        create_file(os.path.join(self.output_path, path), data)

    def write_paginated(self, writer, kind: str, id: str | None, records: list, template: str,
                        **variables) -> None:
        """Write `records` as pages of PAGE_SIZE at urls.path_for(kind, id, page); page 1 is
        written even when empty. Templates get `rows`, `page`, `pages` (a list of URLs), `total`,
        `listing_title` (the title without the page number) and `title` (with it, from page 2)."""
        count = max(1, math.ceil(len(records) / PAGE_SIZE))
        pages = [urls.url_for(kind, id, n) for n in range(1, count + 1)]
        title = variables.pop("title")
        for n in range(1, count + 1):
            rows = records[(n - 1) * PAGE_SIZE: n * PAGE_SIZE]
            # every page its own <title>: "…（第 2 页）"
            self.write(writer, urls.path_for(kind, id, n), template, rows=rows, page=n,
                       pages=pages, total=len(records), listing_title=title,
                       title=title if n == 1 else f"{title}（第 {n} 页）", **variables)
