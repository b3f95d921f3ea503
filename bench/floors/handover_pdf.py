"""Floor for ``handover pdf``: a bare ReportLab document of the same text and one chart, in the
same embedded font, written to a file.

``python bench/floors/handover_pdf.py TEXT_FILE FONT_DIR OUT.pdf``: TEXT_FILE holds the handover's
text (one paragraph per line, as read back from the real document); the chart is a spider chart
of eight spokes drawn with ReportLab's graphics.
"""

import sys
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Drawing, Line, Polygon, PolyLine, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate


def chart(font: str, spokes: int = 8, size: float = 60 * mm) -> Drawing:
    import math

    drawing = Drawing(size, size)
    centre, radius = size / 2, size / 2 - 12
    points = [
        (centre + radius * math.sin(2 * math.pi * i / spokes), centre + radius * math.cos(2 * math.pi * i / spokes))
        for i in range(spokes)
    ]
    for ring in (0.25, 0.5, 0.75, 1.0):
        ring_points = (
            [centre + (x - centre) * ring for x, _ in points],
            [centre + (y - centre) * ring for _, y in points],
        )
        flat = [v for pair in zip(*ring_points, strict=True) for v in pair]
        drawing.add(PolyLine([*flat, flat[0], flat[1]], strokeColor=colors.grey, strokeWidth=0.5))
    for i, (x, y) in enumerate(points):
        drawing.add(Line(centre, centre, x, y, strokeColor=colors.grey, strokeWidth=0.5))
        drawing.add(String(x, y, f"Domein {i + 1}", fontName=font, fontSize=7, textAnchor="middle"))
    values = [0.4, 0.7, 0.5, 0.9, 0.3, 0.6, 0.8, 0.5][:spokes]
    shape = [
        v
        for (x, y), value in zip(points, values, strict=True)
        for v in (centre + (x - centre) * value, centre + (y - centre) * value)
    ]
    drawing.add(Polygon(shape, fillColor=colors.Color(0.12, 0.31, 0.47, 0.3), strokeColor=colors.darkblue))
    return drawing


def main() -> int:
    text_file, font_dir, out = sys.argv[1:4]
    pdfmetrics.registerFont(TTFont("FloorSans", str(Path(font_dir) / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont("FloorSans-Bold", str(Path(font_dir) / "DejaVuSans-Bold.ttf")))
    body = ParagraphStyle("body", fontName="FloorSans", fontSize=9, leading=10.5)
    title = ParagraphStyle("title", fontName="FloorSans-Bold", fontSize=16, leading=20)
    lines = [line for line in Path(text_file).read_text(encoding="utf-8").splitlines() if line.strip()]
    story = [Paragraph(escape(lines[0]) if lines else "", title), chart("FloorSans")]
    story += [Paragraph(escape(line), body) for line in lines[1:]]
    SimpleDocTemplate(out, pagesize=A4).build(story)
    return 0


if __name__ == "__main__":
    sys.exit(main())
