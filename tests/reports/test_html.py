"""The HTML register and six-monthly report, read back with the standard HTML parser."""

from html.parser import HTMLParser

from app.reports.heatmap import render_heatmap
from app.reports.html import render_register_html, render_review_html
from app.scoring import default_matrix

from .builders import community_partnerships, five_by_five, many_risks, register, review_report, risk


class Page(HTMLParser):
    """Collects the text, the headings in order, the heat-map table counts and the images."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.text: list[str] = []
        self.headings: list[str] = []
        self.counts: dict[tuple[int, int], int] = {}
        self.images: list[dict[str, str | None]] = []
        self.captions: list[str] = []
        self._cell: tuple[int, int] | None = None
        self._in: str | None = None
        self._span_class: str | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("h1", "h2", "h3", "caption"):
            self._in = tag
            (self.captions if tag == "caption" else self.headings).append("")
        if tag == "td" and "data-likelihood" in a:
            self._cell = (int(a["data-likelihood"]), int(a["data-impact"]))
        if tag == "span":
            self._span_class = a.get("class")
        if tag == "img":
            self.images.append(a)

    def handle_endtag(self, tag):
        if tag in ("h1", "h2", "h3", "caption"):
            self._in = None
        if tag == "td":
            self._cell = None
        if tag == "span":
            self._span_class = None

    def handle_data(self, data):
        self.text.append(data)
        if self._in == "caption":
            self.captions[-1] += data
        elif self._in:
            self.headings[-1] += data
        if self._cell and self._span_class == "count":
            self.counts[self._cell] = int(data)

    @property
    def all_text(self) -> str:
        return " ".join(" ".join(self.text).split())


def test_register_shows_every_risk_with_bands_overdue_and_direction():
    risks = community_partnerships()
    report = register(risks)
    page = Page(render_register_html(report))
    text = page.all_text
    for r in risks:
        assert r.ref in text
        assert r.title in text
    assert "also ST05" in text
    for band in ("Low", "Medium", "High", "Very High"):
        assert band in text
    assert text.count("Overdue") == 1
    assert "Not assessed" in text
    assert "↑ Up" in text
    assert "↓ Down" in text
    assert "Unchanged" in text
    assert "Web access to ASB casework system" in text


def test_band_cells_are_coloured_and_named():
    html = render_register_html(register(community_partnerships()))
    assert 'class="band" style="background-color: #c62828; color: #ffffff">Very High</td>' in html
    assert 'class="band" style="background-color: #92d050; color: #1b1b1b">Low</td>' in html


def test_heat_map_comes_with_a_table_of_the_same_counts():
    risks = community_partnerships()
    report = register(risks)
    svg = render_heatmap(report.matrix, report.heatmap, title="CP", fmt="svg").decode()
    page = Page(render_register_html(report, svg))
    assert "Heat map as a table" in page.captions
    expected = {
        (c.likelihood, c.impact): report.heatmap.count(c.likelihood, c.impact) for c in report.matrix.cells
    }
    assert page.counts == expected
    assert sum(page.counts.values()) == 6  # CP14 is not assessed
    (found,) = page.images
    image = {name: value or "" for name, value in found.items()}
    assert image["role"] == "img"
    assert image["aria-label"].startswith("Heat map of 6 residual risks")
    assert image["alt"] == image["aria-label"]
    assert image["src"].startswith("data:image/svg+xml;base64,")


def test_without_a_picture_the_table_is_still_there():
    page = Page(render_register_html(register(community_partnerships())))
    assert page.images == []
    assert "Heat map as a table" in page.captions
    assert page.counts[(4, 4)] == 1


def test_user_text_is_escaped_and_cleaned():
    hostile = risk(
        "CP99",
        title="<script>alert('x')</script>",
        owner='Head of "Risk" & Audit',
        consequence="NUL\x00 and bell\x07 removed",
    )
    html = render_register_html(register([hostile]))
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "Head of &#34;Risk&#34; &amp; Audit" in html
    assert "\x00" not in html
    assert "\x07" not in html
    assert "NUL and bell removed" in html


def test_review_sections_come_in_order():
    report = review_report(community_partnerships())
    page = Page(render_review_html(report))
    wanted = [
        "Six-monthly risk review 2025/26 H1",
        "Summary",
        "Heat maps: open risks on 30 September 2025",
        "Risks by band and service",
        "High and Very High risks in full (3)",
        "Movement in the period",
        "New risks (opened or reopened in the period) (2)",
        "Closed risks (with their last position before closing) (0)",
        "Risks first assessed in the period (0)",
        "Risks whose score went up (1)",
        "Risks whose score went down (1)",
        "Risks with an unchanged score (3)",
        "Risks not assessed (0)",
        "Risks not reviewed in the period (2)",
        "Risks overdue for review (1)",
        "Service registers",
        "Community Partnerships (CP)",
    ]
    positions = [page.headings.index(h) for h in wanted]
    assert positions == sorted(positions)
    text = page.all_text
    assert "1 April 2025 to 30 September 2025 (2025/26-H1)" in text
    assert "Produced 1 October 2025 at 10:30 BST" in text  # UK local time


def test_review_counts_by_band_per_service_with_a_council_total():
    risks = many_risks(40)
    report = review_report(risks)
    page = Page(render_review_html(report))
    text = page.all_text
    assert "Open risks by residual band on 30 September 2025" in page.captions
    for s in report.summaries:
        counts = " ".join(str(s.counts_by_band[b.name]) for b in report.matrix.bands)
        assert f"{s.service_name} {counts} {s.unassessed} {s.total}" in text
    totals = [sum(s.counts_by_band[b.name] for s in report.summaries) for b in report.matrix.bands]
    total = sum(s.total for s in report.summaries)
    assert f"Council total {' '.join(map(str, totals))} 0 {total}" in text


def test_review_lists_every_high_risk_with_controls_and_the_not_reviewed():
    report = review_report(community_partnerships())
    html = render_review_html(report)
    high = html.split('id="high-heading"')[1].split('id="actions"')[0]
    for r in report.high_risks:
        assert r.ref in high
    assert "CP02" in high
    assert "CP13" in high
    assert "CP06" in high
    assert "CP01" not in high
    assert "ICT strategy group" in high
    assert "Treat" in high
    not_reviewed = html.split('id="not-reviewed"')[1].split('id="overdue"')[0]
    assert "CP06" in not_reviewed
    assert "Overdue" in not_reviewed
    assert "CP14" in not_reviewed
    assert "Never" in not_reviewed


def test_movement_shows_previous_and_current_score_and_band():
    report = review_report(community_partnerships())
    html = render_review_html(report)
    up = html.split('id="movement-up"')[1].split('id="movement-down"')[0]
    page = Page(up)
    assert (
        "CP02 Community Partnerships Total failure of ICT systems 9 High 16 Very High ↑ Up" in page.all_text
    )


def test_review_on_a_five_by_five_matrix_names_its_worst_bands():
    matrix = five_by_five()
    report = review_report(many_risks(30, matrix), matrix=matrix)
    page = Page(render_review_html(report))
    assert any(h.startswith("High and Extreme risks") for h in page.headings)
    assert "Extreme" in page.all_text


def test_default_matrix_page_names_its_matrix():
    report = register(community_partnerships())
    assert default_matrix().name in Page(render_register_html(report)).all_text
