"""案件办理进度查询 (/lookup/): one static page plus encrypted, equal-size shards (domain §9).

For every case under content/cases that has a query code in the private codes file (setting
GONGSHI_CODES_FILE, written by `pull --codes`), the build computes what the party may see
(pipeline.deadlines) and encrypts it with a key only (案件编号, 查询码) can re-derive
(pipeline.lookup_crypto). Nothing readable about a case is written: the page carries only the
public lookup parameters. Derived keys are cached next to the codes file (never in the output).

Deriving the keys of a cold cache is the costliest part (PBKDF2 per case), so generate_context
starts it on the other cores and generate_output collects it: Pelican runs every family's
generate_context before any generate_output, and this family comes late in GENERATOR_MODULES,
so the derivations overlap the rendering of the other families. It must stay after the search
family, which forks its index process in generate_context: a fork must not copy running threads.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import pickle
import sys
from datetime import date

from pipeline import deadlines, lookup_crypto
from pipeline.querycodes import normalise_case_no, read_codes_csv

from .. import timings, urls
from ..base import FamilyGenerator
from ..render_cache import DerivedCache, PageCache, code_digest

log = logging.getLogger(__name__)


STATE_CODES = {deadlines.DONE: "d", deadlines.CURRENT: "c", deadlines.UPCOMING: "u",
               deadlines.MISSING: "m"}
MAX_NAME = 60  # characters of the case name kept in an entry (entries are padded to the longest)


def default_salt(settings: dict) -> bytes:
    """Per-site salt: GONGSHI_LOOKUP_SALT, else one derived from the site name (stable per site)."""
    configured = settings.get("GONGSHI_LOOKUP_SALT")
    if configured:
        return str(configured).encode("utf-8")
    return hashlib.sha256(("gongshi-lookup-salt\x1f" + settings.get("SITENAME", "")).encode()).digest()[:16]


class SharedTables:
    """Public lists the page carries once (stage names, bodies with their phones), so that an
    entry holds indexes instead of repeating them: smaller entries mean fewer, smaller shards."""

    def __init__(self, agencies: dict[str, dict]):
        names = [s for proc in (deadlines.PUTONG, deadlines.JIANYI)
                 for s, _ in deadlines.standard_steps(proc)]
        self.stages = list(dict.fromkeys(names))
        self._stage_index = {s: i for i, s in enumerate(self.stages)}
        ids = sorted(agencies)
        self.agencies = [[agencies[i].get("name") or "", agencies[i].get("phone_consult") or "",
                          agencies[i].get("phone_supervise") or ""] for i in ids]
        self._agency_index = {a: i for i, a in enumerate(ids)}

    def stage(self, name: str) -> int:
        return self._stage_index[name]

    def agency(self, agency_id: str | None) -> int:
        return self._agency_index.get(agency_id or "", -1)


def entry_for(case: dict, tables: SharedTables, as_of: date) -> dict:
    """What the party sees, in the compact form lookup.js reads (keys documented there).

    Only rights still open on the data date are kept: the page shows the rights usable now."""
    p = deadlines.case_progress(case, as_of)
    return {
        "n": (case.get("name") or "")[:MAX_NAME],
        "g": tables.agency(case.get("agency_id")),
        "p": p.procedure,
        "s": [[tables.stage(s.name), STATE_CODES[s.state], s.date or ""] for s in p.stages],
        "d": [p.decision.due.isoformat(), p.decision.status] if p.decision else None,
        "r": [1 if p.review_applicable else 0, p.review_date or ""],
        "k": [[r.name, r.due.isoformat(), r.status, 1 if r.working_days else 0]
              for r in p.rights if r.days_left >= 0],
        "o": p.unknown_years,
    }


def encode_entry(entry: dict) -> bytes:
    return json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class LookupGenerator(FamilyGenerator):
    family = "lookup"
    nav = (90, "lookup", "案件查询")

    def _codes(self) -> tuple[dict[str, str], bytes]:
        """{normalised case no: code} and the file's bytes (the private padding seed)."""
        path = self.settings.get("GONGSHI_CODES_FILE")
        if not path or not os.path.exists(path):
            log.warning("lookup: no codes file (GONGSHI_CODES_FILE=%s); the lookup is empty", path)
            return {}, b""
        with open(path, "rb") as fh:
            raw = fh.read()
        return read_codes_csv(path), raw

    def _cache_path(self) -> str | None:
        configured = self.settings.get("GONGSHI_LOOKUP_KEY_CACHE")
        codes = self.settings.get("GONGSHI_CODES_FILE")
        if configured:
            return configured
        return os.path.join(os.path.dirname(os.path.abspath(codes)), "lookup-key-cache.json") \
            if codes else None

    def generate_context(self):
        self.as_of = deadlines.parse(self.store.site.get("as_of")) or date.today()
        self.salt = default_salt(self.settings)
        self.iterations = int(self.settings.get("GONGSHI_LOOKUP_ITERATIONS",
                                                lookup_crypto.DEFAULT_ITERATIONS))
        codes, self.codes_raw = self._codes()
        self.cases, pairs = [], []
        for case in self.store.records("cases"):
            code = codes.get(normalise_case_no(case.get("case_no") or ""))
            if code:
                self.cases.append(case)
                pairs.append((case["case_no"], code))
        lookup_crypto.stop_all()  # a failed earlier build in this process may have left some
        cache = lookup_crypto.KeyCache(self._cache_path() if codes else None)
        self.derivation = lookup_crypto.BackgroundDerivation(pairs, self.salt, self.iterations,
                                                             cache)

    def generate_output(self, writer):
        as_of, salt, iterations = self.as_of, self.salt, self.iterations
        tables = SharedTables(self.store.by_id("agencies"))
        derived_cache = DerivedCache(self.settings, "lookup-entries.pickle")
        code = code_digest(deadlines, lookup_crypto, sys.modules[__name__])
        plains = [self._plain(case, tables, as_of, derived_cache, code) for case in self.cases]
        derived, fresh = self.derivation.result()  # waits for (and helps with) what is left
        if self.derivation.thread_cpu_s:
            # the threads' own share: their wall time overlaps the other families' phases, whose
            # CPU figures count the main thread only (timings.py)
            timings.record("lookup.derive_threads", self.derivation.thread_wall_s,
                           self.derivation.thread_cpu_s)
        pad_secret = hashlib.sha256(b"gongshi-lookup-padding\x1f" + salt + b"\x1f"
                                    + self.codes_raw).digest()
        pairs = list(zip(derived, plains))
        layout = self._kept_layout(pairs, pad_secret, derived_cache, code) if self.cases else None
        if layout is None:
            layout = lookup_crypto.build_shards(pairs, pad_secret)
            if self.cases:
                self._write_shards(layout, pairs, pad_secret, derived_cache, code)
        self.derivation.cache.save()
        log.info("lookup: %d entries (%d keys derived, %d cached), %d shards of %d bytes",
                 len(self.cases), fresh, len(self.cases) - fresh, layout.shard_count,
                 layout.shard_bytes)
        params = {
            "salt": base64.b64encode(salt).decode("ascii"), "iterations": iterations,
            "shards": layout.shard_count if self.cases else 0, "digits": layout.hex_digits,
            "slot": layout.slot_size, "slots": layout.slots,
            "base": "/" + lookup_crypto.SHARD_FOLDER + "/",
        }
        # Texts the page needs for every case: sent once with the page, not in every entry.
        texts = {"next": deadlines.NEXT_STEP, "closed": deadlines.CLOSED, "asOf": as_of.isoformat(),
                 "stages": tables.stages, "agencies": tables.agencies,
                 "calendar": deadlines.CALENDAR_NOTE, "states": {
                     code: deadlines.STATE_LABELS[state] for state, code in STATE_CODES.items()}}
        self.write(writer, urls.path_for("lookup"), "lookup.html", title="案件办理进度查询",
                   breadcrumbs=[("首页", "/")], lookup=params, texts=texts)

    # Incremental builds (render cache on): a case's entry is kept by a digest of the case record,
    # its body's index, as_of and the code that computes it; the shard layout by a digest of every
    # (derived key, entry) pair and the padding secret. Both live in the private render cache.

    @staticmethod
    def _plain(case: dict, tables: SharedTables, as_of: date, cache: DerivedCache,
               code: str) -> bytes:
        def compute() -> bytes:
            return encode_entry(entry_for(case, tables, as_of))
        if not cache.enabled:
            return compute()
        record = json.dumps(case, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                            default=_typed)
        key = hashlib.blake2b(f"{code}\x1f{as_of.isoformat()}\x1f"
                              f"{tables.agency(case.get('agency_id'))}\x1f{record}".encode("utf-8"),
                              digest_size=20).digest()
        return cache.derived(key, compute)

    @staticmethod
    def _layout_key(pairs: list[tuple[bytes, bytes]], pad_secret: bytes, code: str) -> bytes:
        digest = hashlib.sha256(b"layout\x1f" + code.encode() + b"\x1f" + pad_secret)
        for derived, plain in pairs:
            digest.update(len(derived).to_bytes(4, "big") + derived
                          + len(plain).to_bytes(4, "big") + plain)
        return digest.digest()

    def _kept_layout(self, pairs, pad_secret, cache: DerivedCache, code: str):
        """Last build's layout when every (key, entry) pair is the same and all its shard files
        are still in the output as that build wrote them (then nothing is encrypted); else None."""
        files = PageCache.for_generator(self)
        if not cache.enabled or files is None:
            return None
        known = cache.get(self._layout_key(pairs, pad_secret, code))
        if known is None:
            return None
        count, slots, size, plain_len, digests = pickle.loads(known)
        layout = lookup_crypto.Layout(count, slots, size, plain_len)
        if all([files.reuse(f"{lookup_crypto.SHARD_FOLDER}/{layout.file_name(index)}",
                            "bytes:" + digest, page=False) for index, digest in digests]):
            return layout
        return None

    def _write_shards(self, layout: lookup_crypto.Layout, pairs, pad_secret,
                      cache: DerivedCache, code: str) -> None:
        digests = []
        for index, data in sorted(layout.shards.items()):
            # through the render cache when on: an unchanged shard stays as it is
            self.write_bytes(f"{lookup_crypto.SHARD_FOLDER}/{layout.file_name(index)}", data)
            digests.append((index, hashlib.sha256(data).hexdigest()))
        if cache.enabled:
            key = self._layout_key(pairs, pad_secret, code)
            cache.put(key, pickle.dumps((layout.shard_count, layout.slots, layout.slot_size,
                                         layout.plain_len, digests),
                                        protocol=pickle.HIGHEST_PROTOCOL))


def _typed(value):
    """JSON form of a non-JSON value in a case record (dates), tagged with its type."""
    return [type(value).__name__, str(value)]


GENERATORS = [LookupGenerator]
