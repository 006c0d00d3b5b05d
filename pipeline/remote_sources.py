"""Sources beyond local files: HTTP(S) export URLs and SQL databases (SQLAlchemy URLs).

The pull reads local export files only. `materialise()` turns any `--source` into such files in a
scratch folder first, so a platform database or a download server feeds the same, tested reader:

    --source https://platform.example/exports/penalties.csv    one export (the file stem names the table)
    --source https://platform.example/exports/sources.yaml     a sources file; its relative paths are
                                                               fetched next to it
    --source sqlite:////srv/platform/zf.db                     every table of domain §2 found in the
                                                               database (SQLAlchemy URL)
    --source env:GONGSHI_SOURCE                                the same, read from an environment
                                                               variable (keeps passwords out of
                                                               cron lines and `ps`)
    --source sources.yaml                                      a local sources file whose entries may
                                                               also say `url:` or `database:`

Sources-file entries beyond `path:` (other keys such as table/columns/encoding are kept):

    - url: https://platform.example/cf.csv       # downloaded
      table: penalties
    - database: postgresql+psycopg://gs@db/zf    # SQL: either a whole table ...
      db_table: t_xzcf
      table: penalties
    - database: sqlite:////srv/zf.db             # ... or a query
      query: "SELECT * FROM cf WHERE 状态 <> '草稿'"
      table: penalties
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import os
import shutil
import urllib.error
import urllib.request
from urllib.parse import urljoin, urlsplit

import yaml

from pipeline.errors import PipelineError
from pipeline.sources import SOURCES_FILES
from pipeline.tables import TABLES

HTTP_SCHEMES = ("http", "https")
_CHUNK = 1 << 20


def resolve_env(source: str) -> str:
    if source.startswith("env:"):
        name = source[4:]
        if not os.environ.get(name):
            raise PipelineError(f"环境变量 {name} 未设置（--source env:{name}）")
        return os.environ[name]
    return source


def _scheme(source: str) -> str:
    return urlsplit(source).scheme.lower() if "://" in source else ""


def redact(source: str) -> str:
    """The source as it may be printed and written to reports: without a password."""
    if _scheme(source) and _scheme(source) not in HTTP_SCHEMES:
        from sqlalchemy.engine import make_url

        try:
            return make_url(source).render_as_string(hide_password=True)
        except Exception:  # noqa: BLE001 — an unparsable URL is reported by dump_database
            return source.split("://", 1)[0] + "://***"
    parts = urlsplit(source)
    if parts.password:
        return source.replace(f":{parts.password}@", ":***@", 1)
    return source


def is_remote(source: str) -> bool:
    return bool(_scheme(source)) or source.startswith("env:")


# -- HTTP ----------------------------------------------------------------------------------------
def download(url: str, path: str, *, timeout: float = 60) -> str:
    """Fetch one URL into `path` (streamed; written under a temp name, then renamed)."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    request = urllib.request.Request(url, headers={"User-Agent": "gongshi-pipeline"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response, \
                open(path + ".part", "wb") as fh:
            shutil.copyfileobj(response, fh, _CHUNK)
    except (urllib.error.URLError, OSError) as exc:
        raise PipelineError(f"{redact(url)}: 下载失败（{exc}）") from exc
    os.replace(path + ".part", path)
    return path


def _url_file_name(url: str) -> str:
    name = os.path.basename(urlsplit(url).path)
    if not name:
        raise PipelineError(f"{redact(url)}: 网址没有文件名，无法判断是哪张表")
    return name


# -- SQL -----------------------------------------------------------------------------------------
def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, decimal.Decimal):
        return format(value, "f")  # 0.20 stays "0.20": the pull normalises 万元 strings itself
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8")
    return str(value)


def _write_csv(path: str, columns: list[str], rows) -> int:
    count = 0
    with open(path + ".part", "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_cell(v) for v in row])
            count += 1
    os.replace(path + ".part", path)
    return count


def export_query(url: str, path: str, *, query: str | None = None,
                 db_table: str | None = None) -> int:
    """Run one query (or read one whole table) and write it as a UTF-8 CSV; returns the row count."""
    import sqlalchemy as sa

    try:
        engine = sa.create_engine(url)
    except Exception as exc:  # noqa: BLE001 — bad URL, missing driver: name the source
        raise PipelineError(f"{redact(url)}: 无法连接数据库（{exc}）") from exc
    statement = sa.text(query) if query else sa.select(sa.text("*")).select_from(sa.table(db_table))
    try:
        with engine.connect() as conn:
            result = conn.execution_options(stream_results=True).execute(statement)
            return _write_csv(path, list(result.keys()), result)
    except sa.exc.SQLAlchemyError as exc:
        raise PipelineError(f"{redact(url)}: 查询 {query or db_table} 失败（{exc.__class__.__name__}: "
                            f"{exc.orig if getattr(exc, 'orig', None) else exc}）") from exc
    finally:
        engine.dispose()


def dump_database(url: str, dest: str) -> str:
    """Every domain table present in the database -> dest/<table>.csv; returns dest."""
    import sqlalchemy as sa

    try:
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            present = set(sa.inspect(conn).get_table_names())
        engine.dispose()
    except Exception as exc:  # noqa: BLE001
        raise PipelineError(f"{redact(url)}: 无法读取数据库（{exc}）") from exc
    found = [t for t in TABLES if t in present]
    if not found:
        raise PipelineError(f"{redact(url)}: 数据库中没有可识别的表（应为 {', '.join(TABLES)}）")
    os.makedirs(dest, exist_ok=True)
    for table in found:
        export_query(url, os.path.join(dest, f"{table}.csv"), db_table=table)
    return dest


# -- sources files -------------------------------------------------------------------------------
def _needs_rewrite(spec: dict) -> bool:
    return any(isinstance(e, dict) and ("url" in e or "database" in e)
               for e in spec.get("sources") or [])


def _materialise_entry(entry: dict, index: int, base: str, dest: str) -> dict:
    """One sources-file entry -> the same entry pointing at a local file under dest."""
    entry = dict(entry)
    url, database = entry.pop("url", None), entry.pop("database", None)
    if database:
        table = entry.get("table")
        if not table:
            raise PipelineError(f"来源 {index}（{redact(database)}）缺少 table")
        path = os.path.join(dest, f"{index:02d}-{table}.csv")
        export_query(resolve_env(database), path, query=entry.pop("query", None),
                     db_table=entry.pop("db_table", None) or table)
    elif url or _scheme(base):
        full = urljoin(base, resolve_env(url)) if url else urljoin(base, str(entry["path"]))
        path = os.path.join(dest, f"{index:02d}-{_url_file_name(full)}")
        download(full, path)
        entry.setdefault("table", _table_for(full))
    else:
        path = os.path.join(base, str(entry["path"]))
    entry["path"] = os.path.abspath(path)
    return entry


def _table_for(url: str) -> str | None:
    from pipeline.tables import table_for_stem

    return table_for_stem(os.path.splitext(_url_file_name(url))[0])


def _write_sources(spec: dict, entries: list[dict], dest: str) -> str:
    out = dict(spec, sources=[{k: v for k, v in e.items() if v is not None} for e in entries])
    path = os.path.join(dest, SOURCES_FILES[0])
    with open(path, "w", encoding="utf-8") as fh:
        yaml.safe_dump(out, fh, allow_unicode=True, sort_keys=False)
    return path


def _rewrite_sources(spec: dict, base: str, dest: str) -> str:
    os.makedirs(dest, exist_ok=True)
    entries = [_materialise_entry(e, i, base, dest)
               for i, e in enumerate(spec.get("sources") or [], 1)]
    return _write_sources(spec, entries, dest)


def _load_spec(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as fh:
            return yaml.safe_load(fh) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise PipelineError(f"{path}: 无法读取来源配置（{exc}）") from exc


def _local_sources_file(source: str) -> str | None:
    if os.path.isdir(source):
        for name in SOURCES_FILES:
            if os.path.isfile(os.path.join(source, name)):
                return os.path.join(source, name)
        return None
    return source if source.lower().endswith((".yaml", ".yml")) and os.path.isfile(source) else None


def materialise(source: str, dest: str) -> str:
    """A local path the pull can read for `source`: the source itself when nothing is remote."""
    source = resolve_env(source)
    scheme = _scheme(source)
    if scheme in HTTP_SCHEMES:
        os.makedirs(dest, exist_ok=True)
        name = _url_file_name(source)
        if name.lower().endswith((".yaml", ".yml")):
            spec = _load_spec(download(source, os.path.join(dest, "remote-" + name)))
            return _rewrite_sources(spec, source, dest)
        download(source, os.path.join(dest, name))
        return dest
    if scheme:
        return dump_database(source, dest)
    local = _local_sources_file(source)
    if local:
        spec = _load_spec(local)
        if _needs_rewrite(spec):
            return _rewrite_sources(spec, os.path.dirname(os.path.abspath(local)) + os.sep, dest)
    return source
