"""The benchmark's own arithmetic: targets summary, floor, the one-record change."""

from __future__ import annotations

import csv
import io

import yaml

from pipeline import bench


def _result(scale, wall, cpu, records, render_cpu, floor_cpu, rss=500.0, incr=None, tree=None):
    r = {"scale": scale, "full_build": {"wall_s": wall, "cpu_s": cpu},
         "cpu_ms_per_record": 1000 * cpu / records, "portal_over_floor": render_cpu / floor_cpu,
         "peak_rss_mb": rss * 2, "peak_rss_main_mb": rss, "peak_memory_mb": tree or rss}
    if incr is not None:
        r["incremental"] = {"fraction_cpu": incr}
    return r


def test_summary_reads_targets_and_per_record_ratio():
    out = bench.summary([_result(1, 30, 18, 1000, 6, 3, incr=0.2),
                         _result(10, 300, 234, 10000, 60, 30, rss=5000, incr=0.3),
                         {"scale": 40, "error": "child exited 1"}])
    t = out["targets"]
    assert t["scale1_full_build_s<=20"] is False and t["scale1_full_build_cpu_s<=20"] is True
    assert t["portal_over_floor<=3"] is True and t["peak_rss<=4GB"] is False
    assert t["incremental<=25%"] is False
    assert out["per_record_cpu_ratio_scale10_vs_1"] == 1.3


def test_memory_target_reads_the_tree_pss_and_the_build_process():
    """main + children RSS double-counts forked pages, so it is not the target's figure; the tree's
    sampled Pss and the build process's own peak are, and either one over 4 GB fails it."""
    within = _result(40, 300, 300, 1000, 6, 3, rss=3000, tree=3900)
    assert within["peak_rss_mb"] > 4096
    assert bench.summary([within])["targets"]["peak_rss<=4GB"] is True
    tree_over = _result(40, 300, 300, 1000, 6, 3, rss=3000, tree=4200)
    assert bench.summary([tree_over])["targets"]["peak_rss<=4GB"] is False
    main_over = _result(40, 300, 300, 1000, 6, 3, rss=4200, tree=4000)
    assert bench.summary([main_over])["targets"]["peak_rss<=4GB"] is False


def test_floor_renders_and_cleans_up(tmp_path):
    figures = bench.floor_seconds(25, tmp_path / "floor", runs=3)
    assert set(figures) == {"wall_s", "cpu_s", "runs_cpu_s"} and figures["wall_s"] >= 0
    # the median run: as many runs at or below it as at or above it
    assert len(figures["runs_cpu_s"]) == 3 and sorted(figures["runs_cpu_s"])[1] == figures["cpu_s"]
    assert not (tmp_path / "floor").exists()


def test_floor_keeps_every_run_when_asked(tmp_path):
    # nothing is deleted between runs: each has its own folder (bench.TRASH says why)
    bench.floor_seconds(12, tmp_path / "floor", runs=2, keep=True)
    for run in ("run-0", "run-1"):
        assert len(list((tmp_path / "floor" / run).rglob("index.html"))) == 12


def test_page_family_files_leave_out_theme_search_index_and_lookup_shards(tmp_path):
    for rel in ("index.html", "permits/xk-1/index.html", "data/permits/xk-1.json", "data/permits.csv",
                "search/index.html", "search/i/0.json", "search/manifest.json",
                "lookup/index.html", "lookup/shards/ab.json", "theme/css/site.css"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x", encoding="utf-8")
    # index, the permit page, its JSON, the CSV, the search page and the lookup page
    assert bench.page_family_files(tmp_path) == 6


def test_set_aside_moves_leftovers_without_deleting_them(tmp_path):
    """A cold build's leftovers are renamed into the trash (the same inodes, nothing freed while
    the bench measures) and a second set-aside does not clash with the first."""
    trash = tmp_path / bench.TRASH
    for round_ in (1, 2):
        (tmp_path / "output" / "a").mkdir(parents=True)
        page = tmp_path / "output" / "a" / "index.html"
        page.write_text(f"round {round_}", encoding="utf-8")
        inode = page.stat().st_ino
        bench.set_aside([tmp_path / "output", tmp_path / "missing"], trash)
        assert not (tmp_path / "output").exists() and not (tmp_path / "missing").exists()
        moved = [p for p in trash.rglob("index.html") if p.read_text(encoding="utf-8") == f"round {round_}"]
        assert len(moved) == 1 and moved[0].stat().st_ino == inode
    assert len(list(trash.rglob("index.html"))) == 2
    bench.set_aside([tmp_path / "nothing-here"], tmp_path / "other-trash")
    assert not (tmp_path / "other-trash").exists()  # nothing to move: no trash folder either


def test_change_one_record_edits_the_first_published_penalty(tmp_path):
    exports, content = tmp_path / "exports", tmp_path / "content" / "penalties"
    exports.mkdir()
    content.mkdir(parents=True)
    (content / "cf-1.yaml").write_text(yaml.safe_dump({"decision_no": "胶罚〔2024〕2号"},
                                                       allow_unicode=True), encoding="utf-8")
    rows = [["CF_WSH", "违法事实"], ["胶罚〔2024〕1号", "甲"], ["胶罚〔2024〕2号", "乙"]]
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    (exports / "penalties.csv").write_bytes(out.getvalue().encode("gb18030"))
    def facts() -> list[str]:
        return [r[1] for r in csv.reader(io.StringIO((exports / "penalties.csv").read_bytes().decode("gb18030")))]

    assert bench.change_one_record(exports) == "胶罚〔2024〕2号"
    assert facts() == ["违法事实", "甲", "乙（更正）"]
    # the next run changes the record back: repeated benches do not grow the text
    assert bench.change_one_record(exports) == "胶罚〔2024〕2号"
    assert facts() == ["违法事实", "甲", "乙"]


def test_family_figures_add_up_one_familys_steps_only():
    render = {"by_family_wall_s": {"search.generate_context": 0.5, "search.index_files": 3.0,
                                   "searchx.generate_output": 9.0, "lookup.generate_output": 2.0},
              "by_family_cpu_s": {"search.generate_context": 0.4, "search.index_files": 2.5,
                                  "lookup.generate_output": 4.0}}
    assert bench.family_figures(render, "search") == {"wall_s": 3.5, "cpu_s": 2.9,
                                                      "note": "part of render"}
    assert bench.family_figures(render, "lookup")["cpu_s"] == 4.0
    assert bench.family_figures({}, "search")["cpu_s"] == 0
