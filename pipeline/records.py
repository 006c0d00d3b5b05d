"""Sanitise + publication-rules stage: validated records -> the records written under content/.

Each `build_<table>()` takes the validated TableState(s), decides per record whether it is
published (pipeline.rules), masks and scrubs what is (pipeline.sanitize), and counts every other
record under its withheld reason, so `rows = published + withheld + quarantined` always holds.
The dicts returned here have exactly the keys of docs/content-contract.md, in that order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from pipeline import ids, sanitize
from pipeline.forking import die_with_parent, fork_safe
from pipeline.tables import AREA_SLUGS, CATEGORY_SLUGS, STAGES
from pipeline.validate import TableState, normalise_identifier

NATURAL, INDIVIDUAL = "自然人", "个体工商户"
_STAGE_ORDER = {s: i for i, s in enumerate(STAGES)}
# A long digit run or a masked number in a field that is not free text (a name, a legal
# representative, a certificate name): real exports put ID numbers there ("张三（身份证…）").
_SUSPECT = re.compile(r"\d{7,}|\d[*＊]{2,}|[*＊]{2,}\d")
# Identifier, date and public-contact fields the guard leaves alone.
_GUARD_SKIP = {"id", "credit_code", "party_credit_code", "agency_credit_code", "agency_id", "case_id",
               "decision_id", "matter_id", "decision_no", "case_no", "authority_doc_no", "cert_no", "code",
               "number", "phone_consult", "phone_supervise", "website", "basis_text", "review_basis",
               "fine_wan", "confiscation_wan"}
_NAME_ONLY = re.compile(r"^[^（(\[【,，;；:：/、\s\d]+")


@dataclass
class Output:
    """Everything the export stage writes, keyed by content folder."""

    records: dict[str, list[dict]] = field(default_factory=dict)   # folder -> records with `id`
    facts: dict[str, list[dict]] = field(default_factory=dict)     # '<table>-<year>' -> items
    supervision: list[dict] = field(default_factory=list)

    def add(self, folder: str, record: dict) -> None:
        if folder != "procedures":  # procedures come from the project's own reference file
            guard(record)
        self.records.setdefault(folder, []).append(record)


def guard(record: dict) -> None:
    """Last line of defence for fields that are not free text: scrub any top-level string that
    carries something number-like. (Free-text fields are still `Pending` here and are scrubbed
    in bulk by resolve_scrubs().)"""
    for key, value in record.items():
        if isinstance(value, str) and key not in _GUARD_SKIP and not key.endswith("_date") \
                and _SUSPECT.search(value):
            record[key] = _scrub(value, ())


def name_only(value: str | None) -> str | None:
    """A legal representative is shown by name only (domain §7): drop what follows the name."""
    if not value:
        return None
    match = _NAME_ONLY.match(value.strip())
    return match.group(0) if match else None


def iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


@lru_cache(maxsize=200_000)
def _scrub(text: str, keep: tuple[str, ...], officers: tuple[str, ...] = ()) -> str | None:
    # demo and real exports repeat the same sentences a lot; jieba is the slow part of the pull
    return sanitize.scrub_text(text, keep, officers)


class Pending:
    """Free text waiting for sanitize.scrub_text. Builders leave these in records; resolve_scrubs()
    scrubs every distinct job (text, keep-list, officers) once, on all cores, before anything is
    exported."""

    __slots__ = ("text", "keep", "officers")

    def __init__(self, text: str, keep: tuple[str, ...], officers: tuple[str, ...] = ()):
        self.text, self.keep, self.officers = text, keep, officers

    @property
    def job(self) -> tuple:
        """scrub_text's arguments; also the scrub cache's key (scrub_cache.pair_key)."""
        return (self.text, self.keep, self.officers) if self.officers else (self.text, self.keep)


def _scrub_job(job: tuple) -> str | None:
    return sanitize.scrub_text(*job)


def _pending_slots(out: Output):
    """(container, key, Pending) for every Pending in the records (top level and event lists)."""
    for records in out.records.values():
        for record in records:
            for key, value in record.items():
                if isinstance(value, Pending):
                    yield record, key, value
                elif isinstance(value, list):
                    for item in value:
                        if isinstance(item, dict):
                            for k, v in item.items():
                                if isinstance(v, Pending):
                                    yield item, k, v


def resolve_scrubs(out: Output, workers: int | None = None, progress: bool = False,
                   cache=None, keys: dict | None = None) -> int:
    """Scrub all pending free text; returns how many distinct texts there were. `cache`: a
    pipeline.scrub_cache.ScrubCache; texts scrubbed by an earlier pull are taken from it.
    `keys`: scrub_cache.pair_key of Pending.job tuples the caller already computed."""
    import os

    from tqdm import tqdm

    slots = list(_pending_slots(out))
    pairs = sorted({p.job for _, _, p in slots})
    done: dict = {}
    known, keys = keys or {}, {}
    if cache is not None:
        from pipeline.scrub_cache import pair_key
        keys = {pair: known.get(pair) or pair_key(*pair) for pair in pairs}
        for pair in pairs:
            found = cache.get(keys[pair])
            if found is not None:
                done[pair] = found
    todo = [pair for pair in pairs if pair not in done]
    workers = workers or min(os.cpu_count() or 1, 4)
    bar = tqdm(total=len(todo), desc="自由文本脱敏", unit="段", disable=not progress)
    if workers > 1 and len(todo) >= 2000 and fork_safe():
        import multiprocessing
        sanitize.scrub_text("张三", ())  # load jieba once here; forked workers inherit it
        chunk = max(50, len(todo) // (workers * 8))
        with multiprocessing.get_context("fork").Pool(
                workers, initializer=die_with_parent, initargs=(os.getpid(),)) as pool:
            results = []
            for result in pool.imap(_scrub_job, todo, chunksize=chunk):
                results.append(result)
                bar.update()
    else:
        results = []
        for pair in todo:
            results.append(_scrub(*pair))
            bar.update()
    bar.close()
    done.update(zip(todo, results))
    if cache is not None:
        for pair, result in zip(todo, results):
            cache.put(keys[pair], result)
    for container, key, pending in slots:
        container[key] = done[pending.job]
    return len(pairs)


class Party:
    """How one party may appear: its display name and the free-text scrubber that goes with it."""

    def __init__(self, name: str, kind: str | None, legal_rep: str | None = None):
        legal_rep = name_only(legal_rep)
        self.kind, self.legal_rep = kind, legal_rep
        # (raw, masked) pairs replaced in free text before scrubbing: the party's own people
        self.masks: list[tuple[str, str]] = []
        if kind == NATURAL or (kind == INDIVIDUAL and sanitize.looks_like_person_name(name)):
            # a 个体工商户 registered under its operator's own name is that person's name
            self._mask(name)
            self.name, self.keep = sanitize.mask_person_name(name), ()
        elif kind == INDIVIDUAL:
            # the business name is public, its operator's name is not (domain §3)
            self._mask(legal_rep)
            self.name = name
            for raw, masked in self.masks:
                self.name = self.name.replace(raw, masked)
            self.keep = (self.name,)
        else:
            self.name = name
            self.keep = tuple(n for n in (name, legal_rep) if n)

    def _mask(self, person: str | None) -> None:
        if person and len(person) >= 2:
            self.masks.append((person, sanitize.mask_person_name(person)))

    @property
    def public_legal_rep(self) -> str | None:
        return self.legal_rep if self.kind not in (NATURAL, INDIVIDUAL) else None

    def scrub(self, text: str | None, officers: tuple[str, ...] = ()) -> Pending | None:
        """Free text about this party, to be scrubbed; `officers`: the registered officers of the
        record's agency, whose names the text may keep (sanitize.scrub_text)."""
        if not text:
            return None
        for raw, masked in self.masks:
            text = text.replace(raw, masked)
        # scrub_text protects keep-list names where they occur; a name absent from the text
        # changes nothing, and dropping it lets one scrub serve every party ("当事人已缴纳罚款")
        return Pending(text, tuple(n for n in self.keep if n in text), tuple(n for n in officers if n in text))


class Citer:
    """parse_citations with a cache: thousands of matters cite the same few articles."""

    def __init__(self, library):
        self.library = library
        self._cache: dict[str, list[dict]] = {}

    def __call__(self, text: str | None) -> list[dict]:
        if not text or self.library is None:
            return []
        if text not in self._cache:
            from pipeline.citations import parse_citations
            self._cache[text] = parse_citations(text, self.library)
        return [dict(c) for c in self._cache[text]]


def build_agencies(state: TableState, out: Output) -> None:
    for r in state.records:
        out.add("agencies", {
            "id": ids.agency_id(r["credit_code"]), "name": r["name"], "credit_code": r["credit_code"],
            "kind": r["kind"], "parent": r["parent"], "duties": r["duties"], "region": r["region"],
            "address": r["address"], "phone_consult": r["phone_consult"],
            "phone_supervise": r["phone_supervise"], "website": r["website"]})
        state.published += 1


def build_officers(state: TableState, out: Output, as_of: date) -> None:
    for r in state.records:
        if r["valid_until"] and r["valid_until"] < as_of:
            state.withheld["certificate_expired"] += 1
            continue
        out.add("officers", {"id": ids.officer_id(r["cert_no"]), "name": r["name"], "cert_no": r["cert_no"],
                             "agency_id": r["agency_id"], "category": r["category"],
                             "valid_until": iso(r["valid_until"])})
        state.published += 1


def _procedure_index(procedures: list[dict]):
    by_name = {}
    for p in procedures:
        by_name[p["id"]] = p["id"]
        by_name[p["name"]] = p["id"]

    def find(value: str | None, category: str | None) -> str | None:
        if value and value.strip() in by_name:
            return by_name[value.strip()]
        if value and "简易" in value and category == "行政处罚":
            return by_name.get("chufa-jianyi")
        for p in procedures:  # else: the standard procedure of the matter's category
            if category in (p.get("categories") or []):
                return p["id"]
        return None
    return find


def build_matters(state: TableState, out: Output, cite: Citer, procedures: list[dict]) -> None:
    find_procedure = _procedure_index(procedures)
    for r in state.records:
        out.add("matters", {
            "id": ids.matter_id(r["code"]), "code": r["code"], "name": r["name"], "category": r["category"],
            "category_slug": CATEGORY_SLUGS[r["category"]], "agency_id": r["agency_id"],
            "basis_text": r["basis_text"], "citations": cite(r["basis_text"]),
            "procedure_id": find_procedure(r["procedure"], r["category"]),
            "time_limit_legal": r["time_limit_legal"], "time_limit_promised": r["time_limit_promised"],
            "fee": r["fee"], "remedy": r["remedy"], "phone_supervise": r["phone_supervise"]})
        state.published += 1


def build_major_decisions(state: TableState, out: Output, cite: Citer) -> None:
    for r in state.records:
        out.add("major_decisions", {
            "id": ids.major_decision_id(r["number"]), "number": r["number"], "agency_id": r["agency_id"],
            "name": r["name"], "category": r["category"], "category_slug": CATEGORY_SLUGS[r["category"]],
            "threshold": r["threshold"], "matter_id": r["matter_id"], "review_office": r["review_office"],
            "review_basis": r["review_basis"], "citations": cite(r["review_basis"])})
        state.published += 1


def _event_sort(e: dict):
    return (e["date"], _STAGE_ORDER.get(e["stage"], 99))


def link_cases(cases: TableState, events: TableState) -> dict[str, list[dict]]:
    """Case key -> its events sorted by date then stage order (domain §2 stage list)."""
    by_case: dict[str, list[dict]] = {}
    for e in events.records:
        by_case.setdefault(normalise_identifier(e["case_no"]), []).append(e)
    for items in by_case.values():
        items.sort(key=_event_sort)
    return by_case


def legal_review_before_decision(events: list[dict]) -> bool | None:
    """True when a 法制审核 event is dated on or before the (first) 决定 event; None without 决定.
    Same-day review counts: the stage order puts 法制审核 before 决定 on one day."""
    decided = [e["date"] for e in events if e["stage"] == "决定"]
    if not decided:
        return None
    return any(e["stage"] == "法制审核" and e["date"] <= min(decided) for e in events)


def _case_for_decisions(cases: TableState) -> dict[str, list[dict]]:
    index: dict[str, list[dict]] = {}
    for c in cases.records:
        if c["decision_no"]:
            index.setdefault(normalise_identifier(c["decision_no"]), []).append(c)
    return index


def decision_links(cases: TableState, events_by_case) -> dict[str, list[dict]]:
    """Normalised decision number -> what a penalty takes from the case(s) naming it: the case's
    agency, procedure, number, major flag and whether legal review came before the decision.
    Small, so the pull cache keeps it and a penalty-only change needs no case events."""
    return {number: [{"agency_id": c.get("agency_id"), "procedure": c["procedure"], "case_no": c["case_no"],
                      "major": c["major"],
                      "review": legal_review_before_decision(
                          events_by_case.get(normalise_identifier(c["case_no"]), []))}
                     for c in found]
            for number, found in _case_for_decisions(cases).items()}


def _linked_case(index, decision_no: str, agency_id: str | None) -> dict | None:
    found = index.get(normalise_identifier(decision_no), [])
    same = [c for c in found if c.get("agency_id") == agency_id] or found
    return same[0] if len(same) == 1 else None


def _fact(r: dict, pid: str | None, pub, money: bool) -> dict:
    # notice_id: the published withdrawal notice of a withdrawn decision (its id is the decision's,
    # which the item no longer carries once the decision is down), so statistics can link to it
    item = {"id": pid if pub.published else None, "notice_id": pid if pub.withdrawal_notice else None,
            "agency_id": r["agency_id"],
            "decision_date": iso(r["decision_date"]), "disclosed_date": iso(r.get("disclosed_date")),
            "kinds": list(r.get("kinds") or []), "fine_yuan": r.get("fine_yuan"),
            "procedure": r.get("procedure"), "party_kind": r["party_kind"], "published": pub.published,
            "withheld_reason": None if pub.published else pub.reason, "status": r.get("status"),
            "status_date": iso(r.get("status_date")),
            "withdrawn_published_date": iso(r.get("withdrawn_published_date"))}
    if not money:
        del item["kinds"], item["fine_yuan"]
        item["status"] = r.get("status") or r.get("current_status")
    return item


def _withdrawal(kind: str, rid: str, r: dict, pub) -> dict:
    return {"id": rid, "kind": kind, "decision_no": r["decision_no"], "agency_id": r["agency_id"],
            "decision_date": iso(r["decision_date"]), "status": r.get("status") or "已撤销",
            "status_date": iso(r.get("status_date")),
            "reason": Pending(r["withdraw_reason"], ()) if r.get("withdraw_reason") else None,
            "visible_until": iso(pub.notice_until)}


def _count(state: TableState, pub) -> None:
    if pub.published:
        state.published += 1
    else:
        state.withheld[pub.reason or "withheld"] += 1


def _decision_outcome(state: TableState, out: Output, kind: str, r: dict, pid: str, pub) -> bool:
    """Count a penalty/permit, add its anonymous fact and any withdrawal notice; True if published."""
    _count(state, pub)
    out.facts.setdefault(f"{state.name}-{r['decision_date'].year}", []).append(
        _fact(r, pid, pub, money=kind == "penalty"))
    if pub.withdrawal_notice:
        out.add("withdrawals", _withdrawal(kind, pid, r, pub))
    return pub.published


def build_penalties(state: TableState, cases: TableState | None, events_by_case, out: Output, *, as_of: date,
                    rules, cite: Citer, links: dict | None = None) -> dict[str, str]:
    """Returns normalised decision number -> penalty id for the published penalties (case links).
    `links`: decision_links(cases, events_by_case) when already known (then cases are not read)."""
    from pipeline.rules import penalty_status

    case_index = links if links is not None else decision_links(cases, events_by_case)
    published_ids: dict[str, str] = {}
    for r in state.records:
        case = _linked_case(case_index, r["decision_no"], r["agency_id"])
        procedure = r["procedure"] or (case["procedure"] if case else None)
        r["procedure"] = procedure
        pub = penalty_status(decision_date=r["decision_date"], as_of=as_of, party_kind=r["party_kind"],
                             procedure=procedure, kinds=r["kinds"], severity=r["severity"],
                             status=r["status"], status_date=r["status_date"], end_date=r["end_date"],
                             secret=sanitize.is_secret(r["note"]), minor=r["_minor"], rules=rules)
        pid = ids.penalty_id(r["agency_credit_code"], r["decision_no"])
        if not _decision_outcome(state, out, "penalty", r, pid, pub):
            continue
        party = Party(r["party_name"], r["party_kind"], r["legal_rep"])
        published_ids[normalise_identifier(r["decision_no"]) + "\x1f" + (r["agency_id"] or "")] = pid
        out.add("penalties", {
            "id": pid, "decision_no": r["decision_no"], "party_name": party.name,
            "party_kind": r["party_kind"], "party_credit_code": r["party_credit_code"],
            "legal_rep": party.public_legal_rep, "violation_type": party.scrub(r["violation_type"]),
            "facts": party.scrub(r["facts"]), "basis_text": r["basis_text"],
            "citations": cite(r["basis_text"]), "kinds": r["kinds"], "content": party.scrub(r["content"]),
            "fine_wan": r["fine_wan"], "fine_yuan": r["fine_yuan"],
            "confiscation_wan": r["confiscation_wan"], "confiscation_yuan": r["confiscation_yuan"],
            "license_affected": party.scrub(r["license_affected"]),
            "decision_date": iso(r["decision_date"]), "valid_until": iso(r["valid_until"]),
            "publish_until": iso(pub.publish_until), "disclosed_date": iso(r["disclosed_date"]),
            "agency_id": r["agency_id"], "agency_name": r["agency_name"],
            "agency_credit_code": r["agency_credit_code"], "source_unit": r["source_unit"],
            "note": party.scrub(r["note"]), "severity": r["severity"], "procedure": procedure,
            "case_id": ids.case_id(case["case_no"]) if case else None,
            "major": case["major"] if case else None,
            "legal_review_before_decision": case["review"] if case else None,
            "status": r["status"]})
    return published_ids


def build_permits(state: TableState, out: Output, *, as_of: date, rules) -> None:
    from pipeline.rules import permit_status

    for r in state.records:
        pub = permit_status(decision_date=r["decision_date"], valid_until=r["valid_until"],
                            current_status=r["current_status"], party_kind=r["party_kind"],
                            secret=sanitize.is_secret(r["note"]), minor=r["_minor"], as_of=as_of, rules=rules)
        pid = ids.permit_id(r["agency_credit_code"], r["decision_no"])
        if not _decision_outcome(state, out, "permit", r, pid, pub):
            continue
        party = Party(r["party_name"], r["party_kind"], r["legal_rep"])
        out.add("permits", {
            "id": pid, "decision_name": r["decision_name"], "decision_no": r["decision_no"],
            "party_name": party.name, "party_kind": r["party_kind"],
            "party_credit_code": r["party_credit_code"], "legal_rep": party.public_legal_rep,
            "category": r["category"], "certificate_name": r["certificate_name"],
            "license_no": r["license_no"], "content": party.scrub(r["content"]),
            "decision_date": iso(r["decision_date"]), "valid_from": iso(r["valid_from"]),
            "valid_until": iso(r["valid_until"]), "disclosed_date": iso(r["disclosed_date"]),
            "agency_id": r["agency_id"], "agency_name": r["agency_name"],
            "agency_credit_code": r["agency_credit_code"], "source_unit": r["source_unit"],
            "note": party.scrub(r["note"]), "status": r["status"] or r["current_status"]})


def blacklist_party_kind(r: dict) -> str:
    """Declared kind, else inferred: an ID number in the code column means a natural person."""
    if r.get("party_kind"):
        return r["party_kind"]
    if r.get("_person_code"):
        return NATURAL
    return INDIVIDUAL if (r.get("credit_code") or "").startswith("92") else "法人及非法人组织"


def _area_slug(area: str) -> str:
    return AREA_SLUGS.get(area, "qita")


def build_blacklist(state: TableState, out: Output, *, as_of: date, rules, cite: Citer) -> None:
    from pipeline.rules import blacklist_status

    for r in state.records:
        kind = blacklist_party_kind(r)
        if kind == NATURAL:  # never listed, whatever the rules file says (domain §3, §7)
            state.withheld["natural_person"] += 1
            continue
        pub = blacklist_status(party_kind=kind, listed_date=r["listed_date"], expires=r["expires"],
                               status=r["status"], removed_date=r["removed_date"], as_of=as_of, rules=rules)
        _count(state, pub)
        if not pub.published or not r["credit_code"]:
            continue
        party = Party(r["name"], kind, r["legal_rep"])
        out.add("blacklist", {
            "id": ids.blacklist_id(r["credit_code"], r["authority_doc_no"]), "name": party.name,
            "credit_code": r["credit_code"], "legal_rep": party.public_legal_rep, "area": r["area"],
            "area_slug": _area_slug(r["area"]), "reason": party.scrub(r["reason"]),
            "basis_text": party.scrub(r["basis_text"]), "citations": cite(r["basis_text"]),
            "authority": r["authority"], "authority_doc_no": r["authority_doc_no"],
            "listed_date": iso(r["listed_date"]), "expires": iso(r["expires"]), "status": r["status"],
            "removed_date": iso(r["removed_date"]), "removed_reason": r["removed_reason"]})


def build_cases(cases: TableState, events: TableState, events_by_case, penalty_ids: dict[str, str],
                out: Output, officers: dict[str, tuple[str, ...]] | None = None) -> list[tuple[str, str | None]]:
    """Every valid case with its events (masked). Returns (case_no, exported 查询码) for the
    query-code step; the code itself is never part of the case record. `officers`: {agency id:
    registered officers' names}, kept where an event note names them as the officers at work."""
    for_codes = []
    for r in cases.records:
        # a minor is never named, whatever the party kind says (domain §3)
        party = Party(r["party_name"], NATURAL if r["_minor"] else r["party_kind"])
        key = normalise_identifier(r["case_no"])
        own_officers = (officers or {}).get(r["agency_id"], ())
        decision_id = penalty_ids.get(normalise_identifier(r["decision_no"]) + "\x1f" + (r["agency_id"] or "")) \
            if r["decision_no"] else None
        case_events = [{"stage": e["stage"], "date": iso(e["date"]), "entered_date": iso(e["entered_date"]),
                        "note": party.scrub(e["note"], own_officers), "record_mode": e["record_mode"]}
                       for e in events_by_case.get(key, [])]
        events.published += len(case_events)
        out.add("cases", {
            "id": ids.case_id(r["case_no"]), "case_no": r["case_no"], "name": party.scrub(r["name"]),
            "agency_id": r["agency_id"], "matter_id": r["matter_id"], "procedure": r["procedure"],
            "party_name": party.name, "party_kind": r["party_kind"],
            "party_credit_code": r["party_credit_code"] if r["party_kind"] != NATURAL else None,
            "filed_date": iso(r["filed_date"]), "major": bool(r["major"]), "decision_no": r["decision_no"],
            "decision_id": decision_id, "published": decision_id is not None, "events": case_events})
        cases.published += 1
        for_codes.append((r["case_no"], r["query_code"]))
    return for_codes


def build_supervision(state: TableState, out: Output) -> None:
    for r in state.records:
        out.supervision.append({"year": r["year"], "monitored_cases": r["monitored_cases"],
                                "files_checked": r["files_checked"],
                                "rectification_letters": r["rectification_letters"],
                                "supervision_letters": r["supervision_letters"]})
        state.published += 1

