"""关于本站数据: sources with their as-of date, counts, masking policy, how to report an error."""

from __future__ import annotations

from ..base import FamilyGenerator
from .. import urls

# content/ table names -> what they are called on the page
TABLE_LABELS = {
    "agencies": "执法主体", "officers": "执法人员", "matters": "权责事项", "major_decisions": "重大执法决定目录",
    "cases": "执法案件", "case_events": "办案环节", "penalties": "行政处罚", "permits": "行政许可",
    "blacklist": "严重失信主体名单", "supervision": "执法监督",
}


class AboutGenerator(FamilyGenerator):
    family = "about"

    def generate_output(self, writer):
        site = self.store.site
        counts = site.get("counts") or {}
        self.write(writer, urls.path_for("about"), "about.html", title="关于本站数据",
                   breadcrumbs=[("首页", "/")], sources=site.get("sources") or [],
                   counts=sorted(counts.items()), labels=TABLE_LABELS,
                   agencies=sorted(self.store.records("agencies"), key=lambda a: a.get("name") or ""))


GENERATORS = [AboutGenerator]
