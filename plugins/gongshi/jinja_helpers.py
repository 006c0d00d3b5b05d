"""Jinja filters and globals shared by all templates (installed by FamilyGenerator)."""

from __future__ import annotations


def zh_date(value) -> str:
    """'2024-03-05' -> '2024年3月5日' (dates in Chinese form on every page)."""
    if not value:
        return ""
    text = str(value)
    try:
        y, m, d = text[:10].split("-")
        return f"{int(y)}年{int(m)}月{int(d)}日"
    except ValueError:
        return text


def install(env, settings, store) -> None:
    env.filters.setdefault("zh_date", zh_date)
    env.globals.setdefault("site_meta", store.site)
