"""Home page: what the portal is, key counts, latest decisions, entry points."""

from __future__ import annotations

from ..base import FamilyGenerator

LATEST = 10  # decisions shown on the home page


class HomeGenerator(FamilyGenerator):
    family = "home"

    def generate_output(self, writer):
        store = self.store
        counts = [
            ("执法主体", len(store.records("agencies")), "agencies"),
            ("执法人员", len(store.records("officers")), None),
            ("权责事项", len(store.records("matters")), "matters"),
            ("公示中的行政处罚", len(store.records("penalties")), "penalties"),
            ("公示中的行政许可", len(store.records("permits")), "permits"),
            ("收录的法律法规", len(store.library.laws), "laws"),
        ]
        self.write(writer, "index.html", "home.html", title=self.settings["SITENAME"],
                   counts=counts,
                   latest_penalties=store.newest_first("penalties")[:LATEST],
                   latest_permits=store.newest_first("permits")[:LATEST])


GENERATORS = [HomeGenerator]
