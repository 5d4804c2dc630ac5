"""Reading a report back: CSV rows, and each figure's data table from the page's HTML."""

from __future__ import annotations

import csv
import io
from html.parser import HTMLParser


def csv_rows(client, url: str, *, drop: int = 0) -> list[list[str]]:
    """The CSV's rows, header first. ``drop``: leading columns left out, the code a row carries
    before the name the page's table shows (``period`` before the week, ``school_code``…)."""
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code, response.data[:300])
    assert response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")  # UTF-8's byte order mark, for Excel
    return [row[drop:] for row in csv.reader(io.StringIO(response.data.decode("utf-8-sig")))]


class _Figures(HTMLParser):
    """Per figure id: its data table's rows (header first), and its SVG's attributes."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.svgs: dict[str, dict] = {}
        self.ids: set[str] = set()
        self.figure = None
        self.row = None
        self.cell = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "figure":
            self.figure = attrs["id"].removeprefix("chart-")
            self.tables[self.figure] = []
        elif tag == "table" and "district-table" in (attrs.get("class") or ""):
            self.figure = "district"
            self.tables[self.figure] = []
        elif tag == "svg" and self.figure:
            self.svgs[self.figure] = attrs
        elif tag == "tr" and self.figure:
            self.row = []
        elif tag in ("td", "th") and self.row is not None:
            self.cell = ""

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.row.append(self.cell.strip())
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.tables[self.figure].append(self.row)
            self.row = None
        elif tag == "figure" or (tag == "table" and self.figure == "district"):
            self.figure = None


def figures(html: str) -> _Figures:
    parser = _Figures()
    parser.feed(html)
    return parser
