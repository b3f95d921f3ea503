"""The handover's scores chart: bars for one or two scored domains, a spider web from three on.

Content is built directly (no database): the chart reads only ``HandoverContent``. Checks are on
the drawn shapes (positions against the drawing's bounds) and on the PDF read back with pypdf.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import date

import pytest
from pypdf import PdfReader
from reportlab.graphics import renderPDF
from reportlab.graphics.shapes import (
    Circle,
    Drawing,
    Group,
    Line,
    Polygon,
    PolyLine,
    Rect,
    Shape,
    String,
    UserNode,
)
from reportlab.pdfgen.canvas import Canvas

from broadtalk.handover.chart import (
    HOLLOW,
    INNER_RING,
    PinnedSpiderChart,
    bars_drawing,
    chart_domains,
    chart_height,
    scores_drawing,
    spider_drawing,
    wrap_label,
)
from broadtalk.handover.content import ClientIdentity, ConsentStatement, HandoverContent, SharedDomain
from broadtalk.handover.pdf_text import FONT
from broadtalk.i18n import _

#: The self-sufficiency matrix (ZRM): thirteen domains, long Dutch titles, scale 1-5.
ZRM = (
    ("Financiën", "#332288"),
    ("Werk en opleiding", "#E69F00"),
    ("Dagbesteding", "#44AA99"),
    ("Huisvesting", "#882255"),
    ("Huiselijke relaties", "#88CCEE"),
    ("Geestelijke gezondheid", "#AA4499"),
    ("Lichamelijke gezondheid", "#117733"),
    ("Middelengebruik", "#DDCC77"),
    ("Basale ADL (zelfzorg)", "#0072B2"),
    ("Instrumentele ADL (huishouden en regelen)", "#CC6677"),
    ("Sociaal netwerk", "#999933"),
    ("Maatschappelijke participatie", "#D55E00"),
    ("Justitie", "#777777"),
)
POSITIVE_HEALTH = (
    ("Lichaam", "#0072B2"),
    ("Gevoel en gedachten", "#E69F00"),
    ("Zingeving", "#009E73"),
    ("Kwaliteit van leven", "#CC79A7"),
    ("Meedoen", "#56B4E9"),
    ("Dagelijks leven", "#D55E00"),
)
WIDTH = 451.0  # the letter's frame: A4 less two margins of 22 mm


def make_domain(title: str, colour: str, score: int | None, scale: tuple[int, int] | None, index: int) -> SharedDomain:
    return SharedDomain(
        domain_id=f"domain-{index}",
        title=title,
        colour=colour,
        score=score,
        scale_min=scale[0] if scale else None,
        scale_max=scale[1] if scale else None,
        anchor_label="",
        anchor_description="",
        answers=(),
        notes="",
        own_words="",
        important=False,
    )


def make_content(
    domains: Sequence[tuple[str, str]],
    *,
    scores: Sequence[int | None],
    scale: tuple[int, int] | None = (0, 10),
) -> HandoverContent:
    """A handover with these domains and scores; everything the chart does not read is plain filler."""
    shared = tuple(
        make_domain(title, colour, score, scale, i)
        for i, ((title, colour), score) in enumerate(zip(domains, scores, strict=True))
    )
    return HandoverContent(
        reference="OV-2026-0001",
        created_on=date(2026, 3, 2),
        practice_name="Praktijk",
        referrer_name="Verwijzer",
        referrer_role="POH",
        recipient="Ontvanger",
        client=ClientIdentity(name="Cliënt", birth_date=date(1970, 1, 1)),
        consent=ConsentStatement(
            recipient="Ontvanger",
            purpose="Doel",
            domain_titles=tuple(d.title for d in shared),
            share_identity_details=False,
            share_goals_actions=False,
            share_own_words=False,
            method="mondeling",
            given_on=date(2026, 3, 1),
            valid_until=date(2026, 9, 1),
            recorded_by="Verwijzer",
        ),
        model_title="Model",
        conversation_date=date(2026, 3, 1),
        domains=shared,
        what_matters_most="",
        goals=(),
        actions=(),
        question="",
        urgency="",
        feedback_contact="",
        scale=scale,
    )


def zrm(count: int, score: int | None = 3) -> HandoverContent:
    return make_content(ZRM[:count], scores=[score] * count, scale=(1, 5))


def shapes(node: object, transform: tuple[float, ...] = (1, 0, 0, 1, 0, 0)) -> Iterator[tuple[Shape, tuple]]:
    """Every primitive shape in a drawing, with the transform that places it (widgets drawn out)."""
    if isinstance(node, UserNode):  # a widget such as the spider chart
        yield from shapes(node.provideNode(), transform)
    elif isinstance(node, Group):
        combined = _multiply(transform, tuple(node.transform))
        for child in node.getContents():
            yield from shapes(child, combined)
    else:
        yield node, transform


def _multiply(a: tuple[float, ...], b: tuple[float, ...]) -> tuple[float, ...]:
    return (
        a[0] * b[0] + a[2] * b[1],
        a[1] * b[0] + a[3] * b[1],
        a[0] * b[2] + a[2] * b[3],
        a[1] * b[2] + a[3] * b[3],
        a[0] * b[4] + a[2] * b[5] + a[4],
        a[1] * b[4] + a[3] * b[5] + a[5],
    )


def bounds_of(shape: Shape, transform: tuple[float, ...]) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = shape.getBounds()
    corners = [(x, y) for x in (x0, x1) for y in (y0, y1)]
    xs = [transform[0] * x + transform[2] * y + transform[4] for x, y in corners]
    ys = [transform[1] * x + transform[3] * y + transform[5] for x, y in corners]
    return min(xs), min(ys), max(xs), max(ys)


def strings(drawing: Drawing) -> list[String]:
    return [s for s, _t in shapes(drawing) if isinstance(s, String)]


def spider(drawing: Drawing) -> PinnedSpiderChart:
    chart = drawing.contents[0]
    assert isinstance(chart, PinnedSpiderChart)
    return chart


def strand_points(chart: PinnedSpiderChart) -> list[tuple[float, float]]:
    strand = next(s for s, _t in shapes(chart.draw()) if isinstance(s, PolyLine))
    return list(zip(strand.points[2::2], strand.points[3::2], strict=True))  # the first point closes it


def pdf_text(drawing: Drawing) -> str:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(drawing.width + 40, drawing.height + 40))
    renderPDF.draw(drawing, canvas, 20, 20)
    canvas.showPage()
    canvas.save()
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(buffer.getvalue())).pages)


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


# -- which form ----------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 2, 3, 8, 13])
def test_a_drawing_for_every_number_of_scored_domains(count: int):
    drawing = scores_drawing(zrm(count), WIDTH)
    assert drawing is not None
    assert drawing.width == WIDTH and drawing.height > 0
    is_spider = isinstance(drawing.contents[0], PinnedSpiderChart)
    assert is_spider == (count >= 3)


@pytest.mark.parametrize("count", [1, 2])
def test_one_or_two_domains_are_bars_of_a_compact_height(count: int):
    drawing = scores_drawing(zrm(count), WIDTH)
    assert not any(isinstance(s, PinnedSpiderChart | PolyLine) for s in drawing.contents)
    assert 22 * count <= drawing.height <= 28 * count + 24  # rows plus the axis
    assert spider_drawing(zrm(count), WIDTH, 220) is None  # the web itself still needs three axes


def test_the_spider_is_no_higher_than_its_room():
    for count in (3, 8, 13):
        drawing = scores_drawing(zrm(count), WIDTH)
        assert drawing.height <= chart_height(count)


def test_nothing_scored_gives_no_drawing():
    unscored = make_content(POSITIVE_HEALTH, scores=[None] * 6, scale=(0, 10))
    assert scores_drawing(unscored, WIDTH) is None
    no_scale = make_content(POSITIVE_HEALTH[:3], scores=[None] * 3, scale=None)
    assert scores_drawing(no_scale, WIDTH) is None
    assert scores_drawing(replace(unscored, domains=()), WIDTH) is None


def test_the_spider_takes_only_scored_domains_and_bars_show_the_unscored_ones():
    # Four domains on the scale, two scored: too few for a web, so bars, with an empty track.
    content = make_content(ZRM[:4], scores=[2, None, 4, None], scale=(1, 5))
    drawing = scores_drawing(content, WIDTH)
    texts = [s.text for s in strings(drawing)]
    assert texts.count(_("no score")) == 2
    assert _("no score") == "geen score"  # Dutch by default
    rects = [s for s, _t in shapes(drawing) if isinstance(s, Rect)]
    assert sum(r.fillColor == HOLLOW for r in rects) == 4  # a track per domain on the scale
    assert [r.fillColor.hexval() for r in rects if r.fillColor != HOLLOW] == ["0x332288", "0x44aa99"]
    # Three scored and one not: a web over the three.
    content = make_content(ZRM[:4], scores=[2, None, 4, 5], scale=(1, 5))
    chart = spider(scores_drawing(content, WIDTH))
    assert chart.data == [[2, 4, 5]]


# -- the order -----------------------------------------------------------------------------------


def test_domains_appear_in_the_order_of_the_content():
    content = make_content(ZRM[:8], scores=[1, 2, 3, 4, 5, 4, 3, 2], scale=(1, 5))
    chart = spider(scores_drawing(content, WIDTH))
    assert chart.data == [[d.score for d in content.domains]]
    assert [" ".join(lines) for lines in chart.axisLabels] == [d.title for d in content.domains]
    bars = bars_drawing(make_content(ZRM[4:6], scores=[1, 5], scale=(1, 5)), WIDTH)
    labels = [s.text for s in sorted(strings(bars), key=lambda s: -s.y) if s.text in (ZRM[4][0], ZRM[5][0])]
    assert labels == [ZRM[4][0], ZRM[5][0]]  # top to bottom


# -- the minimum is visible ----------------------------------------------------------------------


@pytest.mark.parametrize("count", [3, 8, 13])
def test_a_score_at_the_minimum_lies_on_the_inner_ring_away_from_the_centre(count: int):
    chart = spider(scores_drawing(zrm(count, score=1), WIDTH))
    radius = chart.width / 2
    cx, cy = chart.x + radius, chart.y + radius
    points = strand_points(chart)
    assert len(points) == count
    for x, y in points:
        assert math.hypot(x - cx, y - cy) == pytest.approx(INNER_RING * radius)
        assert INNER_RING * radius > 8  # a visible polygon, not a dot
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    assert max(xs) - min(xs) > 10 and max(ys) - min(ys) > 10
    # The dots sit on the ring too, each visible.
    dots = [s for s, _t in shapes(chart.draw()) if isinstance(s, Circle)]
    assert len(dots) == count and all(math.hypot(d.cx - cx, d.cy - cy) > 8 for d in dots)


def test_the_web_is_on_the_full_scale_never_scaled_to_the_data():
    content = make_content(POSITIVE_HEALTH[:3], scores=[4, 3, 2], scale=(0, 10))
    chart = spider(scores_drawing(content, WIDTH))
    assert (chart.valueMin, chart.valueMax) == (0, 10)
    radius = chart.width / 2
    cx, cy = chart.x + radius, chart.y + radius
    shares = [round(math.hypot(x - cx, y - cy) / radius, 3) for x, y in strand_points(chart)]
    assert shares == [round(INNER_RING + (1 - INNER_RING) * v / 10, 3) for v in (4, 3, 2)]
    # The rings run from the minimum (inner ring) to the maximum (rim).
    assert chart.ring_values()[0] == 0 and chart.ring_values()[-1] == 10


@pytest.mark.parametrize("count", [1, 2])
def test_a_bar_at_the_minimum_is_visible(count: int):
    drawing = bars_drawing(zrm(count, score=1), WIDTH)
    coloured = [
        s for s, _t in shapes(drawing) if isinstance(s, Rect) and s.fillColor is not None and s.fillColor.hexval() in
        {c.lower().replace("#", "0x") for _n, c in ZRM}
    ]  # fmt: skip
    assert len(coloured) == count
    assert all(bar.width >= 6 and bar.height > 0 for bar in coloured)


def test_bars_grow_with_the_score_on_the_full_scale():
    content = make_content(POSITIVE_HEALTH[:2], scores=[0, 10], scale=(0, 10))
    drawing = bars_drawing(content, WIDTH)
    track, low, _track2, high = [s for s, _t in shapes(drawing) if isinstance(s, Rect)]
    assert 0 < low.width < track.width * 0.1
    assert high.width == pytest.approx(track.width)
    numbers = {s.text for s in strings(drawing)}
    assert {"0", "5", "10"} <= numbers  # the axis: minimum, middle, maximum


# -- nothing is cut off --------------------------------------------------------------------------


LONG_TITLES = tuple(
    (f"Een uitzonderlijk lange titel van levensdomein nummer {i} die nergens past", colour)
    for i, (_title, colour) in enumerate(ZRM)
)


@pytest.mark.parametrize("width", [WIDTH, 300.0, 250.0])
@pytest.mark.parametrize("count", [1, 2, 3, 5, 8, 13])
@pytest.mark.parametrize("titles", [ZRM, LONG_TITLES], ids=["zrm", "long"])
def test_every_string_and_shape_lies_inside_the_drawing(count: int, width: float, titles: tuple):
    drawing = scores_drawing(make_content(titles[:count], scores=[5] * count, scale=(1, 5)), width)
    x0, y0, x1, y1 = drawing.getBounds()
    assert x0 >= 0 and y0 >= 0 and x1 <= drawing.width and y1 <= drawing.height
    for shape, transform in shapes(drawing):
        if isinstance(shape, String | Polygon | PolyLine | Rect | Circle | Line):
            sx0, sy0, sx1, sy1 = bounds_of(shape, transform)
            assert sx0 >= -0.01 and sy0 >= -0.01, (shape, width)
            assert sx1 <= drawing.width + 0.01 and sy1 <= drawing.height + 0.01, (shape, width)


@pytest.mark.parametrize("count", [1, 2, 3, 13])
def test_the_drawing_holds_only_titles_numbers_and_no_score(count: int):
    content = make_content(LONG_TITLES[:count], scores=[None if i == 1 else 2 for i in range(count)], scale=(1, 5))
    words = {w for d in content.domains for w in d.title.split()}
    for string in strings(scores_drawing(content, 300.0)):
        text = string.text
        if text.isdigit() or text == _("no score"):
            continue
        # A title line: whole words of the title, the last one perhaps shortened with '…'.
        *whole, last = text.split()
        assert set(whole) <= words, text
        assert last in words or (last.endswith("…") and any(w.startswith(last[:-1]) for w in words)), text


@pytest.mark.parametrize("count", [8, 13])
def test_the_labels_of_the_web_do_not_overlap(count: int):
    drawing = scores_drawing(zrm(count), WIDTH)
    chart = spider(drawing)
    boxes = []
    for lines in chart.axisLabels:
        placed = [s for s in strings(drawing) if s.text in lines]
        boxes.append([min(b[i] for b in (s.getBounds() for s in placed)) for i in (0, 1)]
                     + [max(b[i] for b in (s.getBounds() for s in placed)) for i in (2, 3)])  # fmt: skip
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (a, b)


def test_a_long_title_wraps_and_a_longer_one_is_shortened():
    assert wrap_label("Instrumentele ADL (huishouden en regelen)", FONT, 7, 90) == (
        "Instrumentele ADL",
        "(huishouden en regelen)",
    )
    very_long = "Een heel erg lange titel van een levensdomein die nooit op twee regels past"
    lines = wrap_label(very_long, FONT, 7, 90)
    assert len(lines) == 2 and lines[-1].endswith("…")
    assert wrap_label("Onuitsprekelijkheidswaardigheidsbeoordelingscommissie", FONT, 7, 60)[0].endswith("…")


# -- into a PDF ----------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 2, 3, 8, 13])
def test_the_domain_titles_are_in_the_pdf(count: int):
    content = zrm(count)
    text = flat(pdf_text(scores_drawing(content, WIDTH)))
    for domain in content.domains:
        assert domain.title in text


def test_the_bars_print_the_scores_and_no_score_in_the_pdf():
    content = make_content(ZRM[:2], scores=[4, None], scale=(1, 5))
    text = flat(pdf_text(scores_drawing(content, WIDTH)))
    assert "geen score" in text
    assert re.search(r"\b4\b", text)


def test_chart_domains_keeps_the_scored_domains_in_order():
    content = make_content(ZRM[:5], scores=[3, None, 1, 5, None], scale=(1, 5))
    assert [d.title for d in chart_domains(content)] == [ZRM[0][0], ZRM[2][0], ZRM[3][0]]
