"""Read the official law texts (Markdown, domain §5) into a small model.

File layout (see the folder's README): `# 全称`, preamble lines (adoption/amendment dates),
`<!-- INFO END -->`, `## 第一章 …` chapters, optional `### 第一节 …` sections, then one paragraph
per article or clause. An article starts with `第X条` and a space; the paragraphs that follow it
(款, and items `（一）…` which belong to the preceding 款) are part of it until the next article or
heading. Some texts have no chapters at all.

The folder is input data: it is read in place and parsed once per folder per process.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from pipeline.ids import law_id
from pipeline.numerals import NUMERAL_CHARS, cn_to_int

PRC = "中华人民共和国"
INFO_END = "<!-- INFO END -->"
SKIP_FILES = {"README.md"}

_NUM = f"[{NUMERAL_CHARS}0-9０-９]+"
ARTICLE_RE = re.compile(rf"^(第({_NUM})条)(?:[ \t\u3000]+(.*))?$", re.S)
HEADING_RE = re.compile(rf"^(第{_NUM}[编分章节])[ \t\u3000]*(.*)$")
ITEM_RE = re.compile(rf"^[（(]({_NUM})[）)]")
# version date in the file name: 食品安全法(2021-04-29).md
FILE_DATE_RE = re.compile(r"[（(](\d{4}-\d{2}-\d{2})[）)]\s*$")
LIABILITY_TITLES = ("法律责任", "罚则")
VERSION_NOTE = re.compile(r"[（(][^（()）]*\d{4}[^（()）]*[）)]$")


@dataclass
class Clause:
    """One 款 of an article with its 项 (items)."""

    text: str
    items: list[str] = field(default_factory=list)


@dataclass
class Article:
    number: int
    label: str                    # 第一百二十二条
    paragraphs: list[str]         # source paragraphs in order, label stripped from the first
    chapter: str                  # "第九章 法律责任" ("" when the law has no chapters)
    section: str = ""             # "第一节 一般规定" when inside a section

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)

    def clauses(self) -> list[Clause]:
        """Paragraphs grouped as 款 with their items, for 第Y款第（Z）项 references."""
        result: list[Clause] = []
        for para in self.paragraphs:
            if ITEM_RE.match(para) and result:
                result[-1].items.append(para)
            else:
                result.append(Clause(para))
        return result

    def has(self, paragraph: int | None = None, item: int | None = None) -> bool:
        """Whether 第paragraph款第item项 exists (an item without 款 refers to the first 款)."""
        clauses = self.clauses()
        if paragraph is not None and not 1 <= paragraph <= len(clauses):
            return False
        if item is None:
            return True
        items = clauses[(paragraph or 1) - 1].items
        return 1 <= item <= len(items)


@dataclass
class Chapter:
    label: str          # 第九章 / 第一节
    title: str          # 法律责任
    level: int          # 1 chapter, 2 section
    articles: list[int] = field(default_factory=list)

    @property
    def heading(self) -> str:
        return f"{self.label} {self.title}".strip()


@dataclass
class Law:
    id: str
    title: str
    short_title: str
    file_name: str
    preamble: list[str]
    chapters: list[Chapter]
    articles: dict[int, Article]
    version_date: str | None = None     # from the file name, ISO

    def article(self, number: int) -> Article | None:
        return self.articles.get(number)

    def liability_articles(self) -> list[int]:
        """Articles of the 法律责任 / 罚则 chapter (penalty provisions), in order.

        Laws without such a chapter fall back to articles that mention a fine (罚款).
        """
        numbers = [n for ch in self.chapters if ch.level == 1
                   and any(t in ch.title for t in LIABILITY_TITLES) for n in ch.articles]
        if not numbers:
            numbers = [n for n, a in self.articles.items() if "罚款" in a.text]
        return sorted(numbers)


def _clean_heading_title(title: str) -> str:
    # statute typography spaces out short titles: "总 则" -> "总则"
    return re.sub(r"[ \t\u3000]+", "", title)


def title_key(name: str) -> str:
    """Lookup key: NFKC, no spaces, no book-title marks, no 中华人民共和国 (so short == full)."""
    text = unicodedata.normalize("NFKC", name or "")
    text = re.sub(r"[\s《》〈〉<>＜＞\"“”]", "", text)
    return text.replace(PRC, "")


def short_title_of(title: str) -> str:
    return title[len(PRC):] if title.startswith(PRC) else title.replace(PRC, "")


def parse_law_text(text: str, file_name: str = "") -> Law | None:
    """Parse one Markdown law text; None when it is not a law (no title or no article)."""
    lines = [ln.strip() for ln in text.splitlines()]
    title = next((ln[2:].strip() for ln in lines if ln.startswith("# ")), None)
    if not title:
        return None
    body_start = lines.index(INFO_END) + 1 if INFO_END in lines else 0
    preamble = [ln for ln in lines[:body_start] if ln and not ln.startswith("#") and ln != INFO_END]

    chapters: list[Chapter] = []
    articles: dict[int, Article] = {}
    chapter: Chapter | None = None
    section: Chapter | None = None
    current: Article | None = None
    for ln in lines[body_start:]:
        if not ln:
            continue
        if ln.startswith("#"):
            level = 2 if ln.startswith("###") else 1
            heading = ln.lstrip("#").strip()
            m = HEADING_RE.match(heading)
            label, ttl = (m.group(1), _clean_heading_title(m.group(2))) if m else ("", heading)
            if not body_start and not chapters and not articles and level == 1 and ln.startswith("# "):
                continue    # the title line itself when there is no INFO END marker
            node = Chapter(label, ttl, level)
            chapters.append(node)
            if level == 1:
                chapter, section = node, None
            else:
                section = node
            current = None
            continue
        m = ARTICLE_RE.match(ln)
        if m:
            number = cn_to_int(m.group(2))
            first = (m.group(3) or "").strip()    # a bare "第五条" line: the text follows below
            current = Article(number, m.group(1), [first] if first else [],
                              chapter.heading if chapter else "",
                              section.heading if section else "")
            # first occurrence wins: a duplicate number would be a source error, not a new article
            articles.setdefault(number, current)
            for node in (chapter, section):
                if node is not None:
                    node.articles.append(number)
        elif current is not None:
            current.paragraphs.append(ln)
        elif not articles and not chapters and body_start == 0 and not ln.startswith("<!--"):
            preamble.append(ln)
    if not articles:
        return None
    date = FILE_DATE_RE.search(Path(file_name).stem)
    return Law(id=law_id(title), title=title, short_title=short_title_of(title),
               file_name=file_name, preamble=preamble, chapters=chapters, articles=articles,
               version_date=date.group(1) if date else None)


class LawLibrary:
    """All laws of one folder, with lookup by full or short title."""

    def __init__(self, laws: list[Law], folder: str | None = None):
        self.folder = folder
        self.laws = sorted(laws, key=lambda law: law.title)
        self._by_key: dict[str, Law] = {}
        self._by_id = {law.id: law for law in self.laws}
        for law in self.laws:
            stem = FILE_DATE_RE.sub("", Path(law.file_name).stem)
            for name in (law.title, law.short_title, stem):
                if name:
                    self._by_key.setdefault(title_key(name), law)

    def find(self, name: str | None) -> Law | None:
        """By full or short title, with or without 《》; a trailing version note such as
        （2021年修正） is ignored."""
        if not name:
            return None
        key = title_key(name)
        return self._by_key.get(key) or self._by_key.get(VERSION_NOTE.sub("", key))

    def by_id(self, law_id_: str) -> Law | None:
        return self._by_id.get(law_id_)

    def __iter__(self):
        return iter(self.laws)

    def __len__(self) -> int:
        return len(self.laws)


def default_folder() -> str:
    env = os.environ.get("GONGSHI_LAWS_DIR")
    if env:
        return env
    repo = Path(__file__).resolve().parent.parent
    return str(repo.parent / "shared" / "laws")


@lru_cache(maxsize=8)
def _load_cached(folder: str) -> LawLibrary:
    laws = []
    for path in sorted(Path(folder).glob("*.md")):
        if path.name in SKIP_FILES:
            continue
        law = parse_law_text(path.read_text(encoding="utf-8-sig"), path.name)
        if law is not None:
            laws.append(law)
    return LawLibrary(laws, folder)


def load_library(folder: str | None = None) -> LawLibrary:
    """Parse every law in `folder` (default: env GONGSHI_LAWS_DIR or <repo>/../shared/laws), cached."""
    return _load_cached(os.path.realpath(folder or default_folder()))
