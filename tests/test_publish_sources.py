"""Remote sources: SQL databases (SQLite, the embedded default) and HTTP(S) export URLs become local
export files that the ordinary pull reads."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import os
import sqlite3

import pytest
import sqlalchemy as sa
import yaml

from conftest import serve_folder
from pipeline import remote_sources as rs
from pipeline.errors import PipelineError
from pipeline.readers import read_file
from pipeline.sources import resolve

FIXTURE_EXPORTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "exports")


def _read_csv(path):
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def _sqlite_from_exports(db_path: str, exports: str) -> str:
    """Load every export file of a folder into an SQLite table named by its file stem."""
    con = sqlite3.connect(db_path)
    for name in sorted(os.listdir(exports)):
        raw = read_file(os.path.join(exports, name))
        table = os.path.splitext(name)[0]
        cols = ", ".join(f'"{h}"' for h in raw.header)
        con.execute(f'CREATE TABLE "{table}" ({cols})')
        marks = ", ".join("?" for _ in raw.header)
        con.executemany(f'INSERT INTO "{table}" VALUES ({marks})',
                        [[c if c != "" else None for c in cells] for _n, cells in raw.rows])
    con.execute("CREATE TABLE platform_users (login TEXT, password_hash TEXT)")
    con.commit()
    con.close()
    return f"sqlite:///{db_path}"


def test_sqlite_database_dumps_every_domain_table_and_nothing_else(tmp_path):
    url = _sqlite_from_exports(str(tmp_path / "zf.db"), FIXTURE_EXPORTS)
    out = rs.materialise(url, str(tmp_path / "dump"))
    names = sorted(os.listdir(out))
    assert names == sorted(f"{os.path.splitext(n)[0]}.csv" for n in os.listdir(FIXTURE_EXPORTS))
    assert "platform_users.csv" not in names
    for name in names:
        original = read_file(os.path.join(FIXTURE_EXPORTS, next(
            n for n in os.listdir(FIXTURE_EXPORTS) if n.startswith(name[:-4] + "."))))
        dumped = read_file(os.path.join(out, name))
        assert dumped.header == original.header
        assert [c for _n, c in dumped.rows] == [c for _n, c in original.rows]
    assert [s.table for s in resolve(out).sources] == sorted(n[:-4] for n in names)


def test_sql_cells_keep_their_written_form(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    meta = sa.MetaData()
    t = sa.Table("penalties", meta, sa.Column("罚款金额(万元)", sa.Numeric(10, 2)),
                 sa.Column("处罚决定日期", sa.Date), sa.Column("备注", sa.String))
    meta.create_all(engine)
    with engine.begin() as conn:
        conn.execute(t.insert(), [{"罚款金额(万元)": decimal.Decimal("0.20"),
                                   "处罚决定日期": dt.date(2024, 3, 5), "备注": None}])
    out = tmp_path / "p.csv"
    assert rs.export_query(str(engine.url), str(out), db_table="penalties") == 1
    # SQLite keeps NUMERIC as a float: 0.2 万元 stays 0.2, never 2000 or 0.20000000001
    assert _read_csv(out) == [["罚款金额(万元)", "处罚决定日期", "备注"], ["0.2", "2024-03-05", ""]]
    # drivers that return Decimal / datetime (PostgreSQL) keep the written form
    assert [rs._cell(v) for v in (decimal.Decimal("0.20"), dt.datetime(2024, 3, 5, 9, 30), b"a")] \
        == ["0.20", "2024-03-05 09:30:00", "a"]


def test_sources_file_with_query_and_url_entries_is_rewritten_to_local_files(tmp_path):
    url = _sqlite_from_exports(str(tmp_path / "zf.db"), FIXTURE_EXPORTS)
    served = tmp_path / "www"
    served.mkdir()
    (served / "agencies-2024.csv").write_bytes(
        open(os.path.join(FIXTURE_EXPORTS, "agencies.csv"), "rb").read())
    with serve_folder(str(served)) as base:
        spec = {"demo": True, "sources": [
            {"database": url, "query": 'SELECT * FROM "penalties"', "table": "penalties",
             "encoding": "utf-8"},
            {"url": f"{base}/agencies-2024.csv"},
            {"path": os.path.join(FIXTURE_EXPORTS, "officers.csv")},
        ]}
        sources = tmp_path / "sources.yaml"
        sources.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
        local = rs.materialise(str(sources), str(tmp_path / "dest"))
    resolved = resolve(local)
    assert resolved.demo is True
    assert [(s.table, os.path.basename(s.path)) for s in resolved.sources] == [
        ("penalties", "01-penalties.csv"), ("agencies", "02-agencies-2024.csv"),
        ("officers", "officers.csv")]
    assert resolved.sources[0].encoding == "utf-8"
    assert len(read_file(resolved.sources[0].path).rows) == len(
        read_file(os.path.join(FIXTURE_EXPORTS, "penalties.csv")).rows)


def test_remote_sources_file_fetches_its_relative_paths(tmp_path):
    www = tmp_path / "www"
    www.mkdir()
    for name in ("agencies.csv", "penalties.csv"):
        (www / name).write_bytes(open(os.path.join(FIXTURE_EXPORTS, name), "rb").read())
    (www / "sources.yaml").write_text(yaml.safe_dump({"sources": [
        {"path": "agencies.csv"}, {"path": "penalties.csv", "table": "penalties"}]}))
    with serve_folder(str(www)) as base:
        local = rs.materialise(f"{base}/sources.yaml", str(tmp_path / "dest"))
        single = rs.materialise(f"{base}/penalties.csv", str(tmp_path / "one"))
    assert [s.table for s in resolve(local).sources] == ["agencies", "penalties"]
    assert open(os.path.join(single, "penalties.csv"), "rb").read() == \
        open(os.path.join(FIXTURE_EXPORTS, "penalties.csv"), "rb").read()


def test_failures_name_the_source_without_its_password(tmp_path):
    with serve_folder(str(tmp_path)) as base:
        with pytest.raises(PipelineError, match="penalties.csv: 下载失败"):
            rs.materialise(f"{base}/penalties.csv", str(tmp_path / "d"))
    with pytest.raises(PipelineError) as info:
        rs.materialise("postgresql+nosuchdriver://gs:s3cret@db/zf", str(tmp_path / "e"))
    assert "s3cret" not in str(info.value) and "gs:***@db" in str(info.value)
    assert rs.redact("https://u:pw@host/x.csv") == "https://u:***@host/x.csv"
    with pytest.raises(PipelineError, match="数据库中没有可识别的表"):
        rs.materialise(f"sqlite:///{tmp_path / 'empty.db'}", str(tmp_path / "f"))


def test_env_source_keeps_the_url_out_of_the_command_line(tmp_path, monkeypatch):
    url = _sqlite_from_exports(str(tmp_path / "zf.db"), FIXTURE_EXPORTS)
    monkeypatch.setenv("GONGSHI_TEST_SOURCE", url)
    assert os.path.isfile(os.path.join(rs.materialise("env:GONGSHI_TEST_SOURCE",
                                                      str(tmp_path / "d")), "penalties.csv"))
    monkeypatch.delenv("GONGSHI_TEST_SOURCE")
    with pytest.raises(PipelineError, match="GONGSHI_TEST_SOURCE"):
        rs.materialise("env:GONGSHI_TEST_SOURCE", str(tmp_path / "e"))


def test_local_sources_pass_through_unchanged(tmp_path):
    assert rs.materialise(FIXTURE_EXPORTS, str(tmp_path / "d")) == FIXTURE_EXPORTS
    assert not os.path.exists(tmp_path / "d")


def test_pull_from_sqlite_gives_the_same_content_as_the_files(tmp_path, monkeypatch):
    from pipeline.pull import pull
    from pipeline.releases import tree_digest

    monkeypatch.setenv("GONGSHI_CODE_SECRET", "publish-tests-secret-0123456789")
    as_of = dt.date(2024, 6, 1)
    url = _sqlite_from_exports(str(tmp_path / "zf.db"), FIXTURE_EXPORTS)
    trees = {}
    for name, source in (("files", FIXTURE_EXPORTS),
                         ("sqlite", rs.materialise(url, str(tmp_path / "dump")))):
        content = str(tmp_path / name)
        pull(source, as_of=as_of, content_dir=content, codes_path=str(tmp_path / f"{name}.csv"),
             progress=False)
        os.unlink(os.path.join(content, "site.yaml"))  # names the source files, which differ
        trees[name] = tree_digest(content)
    assert os.listdir(tmp_path / "sqlite" / "penalties")
    assert trees["files"] == trees["sqlite"]
