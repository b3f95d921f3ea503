"""Text for broadtalk's PDFs: the one way user text enters a ReportLab Paragraph, and the shared look.

ReportLab's ``Paragraph`` parses its text as markup: a ``<`` or ``&`` typed by a user would crash
it or change the text. ``para_text`` is the only door for user text: it cleans the text
(``clean_for_pdf``), escapes it (``xml.sax.saxutils.escape``) and turns line breaks into
``<br/>``. Markup in a paragraph comes from our code only, never from data.

What ``clean_for_pdf`` does, and why:

- NFC normalisation: ReportLab places glyphs one by one (no shaping), so a decomposed "e" plus
  combining accents prints worse than the precomposed "ễ".
- Line breaks of every kind (CR LF, CR, U+2028/2029, VT, FF, NEL) become "\\n"; a tab becomes a
  space; other control characters are dropped: they are never meant and break PDF text.
- Emoji: the embedded font (DejaVu Sans) has a few hundred symbols and emoticons (☺ ★ ♥ 😊 ...);
  those print, in black and white. A character the font lacks (most emoji, flags, lone surrogates)
  would print as an empty box or nothing at all, depending on the viewer; instead each run of such
  characters becomes one visible "□", so the reader sees that something was there and the rest
  of the text is intact. An emoji-only note prints as "□". Variation selectors and skin-tone
  modifiers are dropped: without a shaping engine there is nothing they could change.
- Right-to-left text (Arabic, Hebrew): ReportLab here has no bidi engine (its optional ``rlbidi``
  is not installed) and draws every string left to right, which would print "עוזיאל" as
  "לאיזוע". ``visual_order`` puts each right-to-left run into visual order (numbers inside it
  keep their order, brackets are mirrored): names and short phrases print correctly. Limits,
  accepted for now: Arabic letters print in their isolated forms (no shaping engine), and a
  right-to-left run longer than one line prints its lines in reverse order. Text extraction
  from the PDF gives the text back in reading order. (With ``reportlab[bidi,shaping]`` installed,
  this fallback should give way to ReportLab's own engine.)
- Each font has its own coverage: DejaVu Sans has Arabic, its oblique faces do not. User text
  is therefore set in the regular face (quotes are marked by quotation marks, not italics), and
  every call says which face it prints in.

The fonts are the DejaVu Sans family in ``resources/fonts``, registered once, lazily, as the
family "BroadtalkSans" (so ``<b>`` in our own markup picks the bold face). Only the faces the
documents print in are read (each TrueType file takes tens of milliseconds to parse): regular
and bold. No document prints italics (see above), so ``<i>`` maps to the upright faces.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from broadtalk.i18n import current_language

FONT = "BroadtalkSans"
FONT_BOLD = "BroadtalkSans-Bold"
FONT_DIR = Path(__file__).resolve().parent.parent.parent / "resources" / "fonts"
#: The faces the documents print in, and nothing more.
_FONT_FILES = {
    FONT: "DejaVuSans.ttf",
    FONT_BOLD: "DejaVuSans-Bold.ttf",
}
#: Printed for a run of characters the font cannot draw (U+25A1 WHITE SQUARE, which DejaVu has).
MISSING = "\u25a1"
#: What every PDF says about itself: nothing about the client, the practice or the practitioner.
AUTHOR = "broadtalk"

TEXT = colors.HexColor("#1E2328")
MUTED = colors.HexColor("#5B6470")
ACCENT = colors.HexColor("#1F4E79")
QUOTE = colors.HexColor("#2C3E57")
RULE = colors.HexColor("#C5CDD6")
BOX_FILL = colors.HexColor("#F3F6F9")
QUESTION_FILL = colors.HexColor("#FFF6E0")
QUESTION_RULE = colors.HexColor("#E3C77A")
FALLBACK_COLOUR = colors.HexColor("#7A7A7A")
WARNING = colors.HexColor("#8B1E1E")
WARNING_FILL = colors.HexColor("#FBEAEA")

_HEX_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")
_LINE_BREAKS = re.compile(r"\r\n|[\r\u2028\u2029\x0b\x0c\x85]")
# Controls except tab and newline (handled above); they break PDF text and are never meant.
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")
# Nothing to shape them with: variation selectors and skin-tone modifiers.
_DROPPED = re.compile(r"[\ufe00-\ufe0f\U0001f3fb-\U0001f3ff]")

_lock = threading.Lock()
_registered = False


def register_fonts() -> str:
    """Register the DejaVu family as "BroadtalkSans" (once, on first use); returns the font name."""
    global _registered
    if _registered:
        return FONT
    with _lock:
        if not _registered:
            for name, filename in _FONT_FILES.items():
                pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / filename)))
            pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)
            _registered = True
    return FONT


@cache
def _printable(font: str) -> frozenset[int]:
    """The code points a face can draw."""
    register_fonts()
    return frozenset(pdfmetrics.getFont(font).face.charToGlyph)


def clean_for_pdf(text: str, font: str = FONT) -> str:
    """User text as ``font`` can print it, in reading order (see the module docstring); keeps "\\n"."""
    text = unicodedata.normalize("NFC", text)
    text = _LINE_BREAKS.sub("\n", text).replace("\t", " ")
    text = _DROPPED.sub("", _CONTROLS.sub("", text))
    printable = _printable(font)
    out: list[str] = []
    in_missing_run = False
    for ch in text:
        if unicodedata.category(ch) == "Cf":
            continue  # invisible format characters (ZWJ, bidi marks, soft hyphen): steer engines we lack
        if ch == "\n" or ch == " " or (ord(ch) in printable and ord(ch) <= 0xFFFF):
            out.append(ch)
            in_missing_run = False
        elif not in_missing_run:
            out.append(MISSING)
            in_missing_run = True
    return "".join(out)


_RTL = frozenset({"R", "AL"})
_NUMBER = frozenset({"EN", "AN"})
_IN_NUMBER = frozenset({"CS", "ES", "ET"})  # 1.000,50 - 12-3 - 50%
_MIRROR = str.maketrans("()[]{}<>«»‹›", ")(][}{><»«›‹")
_OPENING = {")": "(", "]": "[", "}": "{", "»": "«", "›": "‹"}
_CLOSING = frozenset(_OPENING)


def visual_order(text: str) -> str:
    """Right-to-left runs in the order they are seen, for a renderer that draws left to right.

    A simplified Unicode bidi algorithm for a left-to-right paragraph: a run starts at a strong
    right-to-left letter and ends at the last right-to-left letter or number before the next
    strong left-to-right letter; it is reversed unit by unit (a number, or a letter with its
    combining marks), with mirrored brackets. Lines ("\\n") are ordered separately.
    """
    if not any(unicodedata.bidirectional(ch) in _RTL for ch in text):
        return text
    return "\n".join(_visual_line(line) for line in text.split("\n"))


def _visual_line(line: str) -> str:
    classes = [unicodedata.bidirectional(ch) for ch in line]
    out: list[str] = []
    i = 0
    while i < len(line):
        if classes[i] not in _RTL:
            out.append(line[i])
            i += 1
            continue
        end = j = i
        while j < len(line) and classes[j] != "L":
            if classes[j] in _RTL or classes[j] in _NUMBER:
                end = j
            j += 1
        # A bracket opened inside the run closes inside it: "(ימין)" stays one unit.
        run = line[i : end + 1]
        while (
            end + 1 < len(line)
            and line[end + 1] in _CLOSING
            and run.count(_OPENING[line[end + 1]]) > run.count(line[end + 1])
        ):
            end += 1
            run += line[end]
        out.append(_reversed_run(line[i : end + 1], classes[i : end + 1]))
        i = end + 1
    return "".join(out)


def _reversed_run(run: str, classes: list[str]) -> str:
    units: list[str] = []
    k = 0
    while k < len(run):
        if classes[k] in _NUMBER:
            m = k + 1
            while m < len(run) and (
                classes[m] in _NUMBER or (classes[m] in _IN_NUMBER and m + 1 < len(run) and classes[m + 1] in _NUMBER)
            ):
                m += 1
            units.append(run[k:m])
            k = m
        elif classes[k] == "NSM" and units:
            units[-1] += run[k]  # a combining mark stays with its letter
            k += 1
        else:
            units.append(run[k].translate(_MIRROR))
            k += 1
    return "".join(reversed(units))


def para_text(text: str, font: str = FONT) -> str:
    """User text made safe for a ReportLab Paragraph set in ``font``: literal, line breaks kept."""
    return escape(visual_order(clean_for_pdf(text, font).strip("\n"))).replace("\n", "<br/>")


def line_text(text: str, font: str = FONT) -> str:
    """User text for one line drawn on the canvas (headers, chart labels): no markup, no breaks."""
    return visual_order(" ".join(clean_for_pdf(text, font).split()))


def safe_colour(value: str) -> colors.Color:
    """A domain colour from a model file ('#332288'); grey when it is not a plain hex colour."""
    return colors.HexColor(value) if _HEX_COLOUR.match(value or "") else FALLBACK_COLOUR


def colour_hex(value: str) -> str:
    """The same colour as '#rrggbb' for our own markup (never a model's raw text inside a tag)."""
    return value if _HEX_COLOUR.match(value or "") else "#7A7A7A"


def document_info(title: str) -> dict[str, Any]:
    """PDF metadata without personal data: a generic title, broadtalk as author and creator."""
    return {
        "title": title,
        "author": AUTHOR,
        "creator": AUTHOR,
        "producer": AUTHOR,
        "subject": "",
        "keywords": [],
        "lang": {"nl": "nl-NL", "en": "en-GB"}.get(current_language(), "nl-NL"),
        "displayDocTitle": 1,
    }


@dataclass(frozen=True)
class Styles:
    body: ParagraphStyle
    small: ParagraphStyle
    label: ParagraphStyle
    title: ParagraphStyle
    heading: ParagraphStyle
    subheading: ParagraphStyle
    quote: ParagraphStyle
    bullet: ParagraphStyle
    boxed: ParagraphStyle
    cell: ParagraphStyle
    cell_label: ParagraphStyle
    warning: ParagraphStyle


def make_styles(body_size: float) -> Styles:
    """One calm set of styles, scaled from the body size (10.5 pt for the letter, 14 pt for the client)."""
    register_fonts()
    leading = round(body_size * 1.38, 1)
    base = ParagraphStyle(
        "body", fontName=FONT, fontSize=body_size, leading=leading, textColor=TEXT, alignment=TA_LEFT, spaceAfter=4
    )
    small_size = max(8.0, body_size * 0.82)
    return Styles(
        body=base,
        small=ParagraphStyle("small", base, fontSize=small_size, leading=small_size * 1.35, textColor=MUTED),
        label=ParagraphStyle(
            "label",
            base,
            fontName=FONT_BOLD,
            fontSize=small_size,
            leading=small_size * 1.35,
            textColor=MUTED,
            spaceBefore=4,
            spaceAfter=1,
            keepWithNext=1,  # a label never ends a page without its text
        ),
        title=ParagraphStyle(
            "title",
            base,
            fontName=FONT_BOLD,
            fontSize=body_size * 1.65,
            leading=body_size * 2.05,
            textColor=ACCENT,
            spaceAfter=2,
        ),
        heading=ParagraphStyle(
            "heading",
            base,
            fontName=FONT_BOLD,
            fontSize=body_size * 1.22,
            leading=body_size * 1.6,
            textColor=ACCENT,
            spaceBefore=body_size * 1.1,
            spaceAfter=body_size * 0.4,
            keepWithNext=1,
        ),
        subheading=ParagraphStyle(
            "subheading",
            base,
            fontName=FONT_BOLD,
            fontSize=body_size * 1.08,
            leading=body_size * 1.45,
            spaceBefore=body_size * 1.1,
            spaceAfter=body_size * 0.2,
            keepWithNext=1,
        ),
        quote=ParagraphStyle("quote", base, textColor=QUOTE, leftIndent=body_size * 1.1),
        bullet=ParagraphStyle("bullet", base, leftIndent=body_size * 1.3, bulletIndent=body_size * 0.3, spaceAfter=2),
        boxed=ParagraphStyle(
            "boxed",
            base,
            backColor=QUESTION_FILL,
            borderColor=QUESTION_RULE,
            borderWidth=0.6,
            borderPadding=(body_size * 0.6, body_size * 0.7, body_size * 0.6, body_size * 0.7),
            leftIndent=body_size * 0.7,
            rightIndent=body_size * 0.7,
            spaceBefore=body_size * 0.5,
            spaceAfter=body_size * 0.9,
        ),
        cell=ParagraphStyle("cell", base, spaceAfter=0),
        cell_label=ParagraphStyle("cell_label", base, textColor=MUTED, spaceAfter=0),
        warning=ParagraphStyle(
            "warning",
            base,
            fontName=FONT_BOLD,
            textColor=WARNING,
            backColor=WARNING_FILL,
            borderColor=WARNING,
            borderWidth=0.8,
            borderPadding=(body_size * 0.5, body_size * 0.6, body_size * 0.5, body_size * 0.6),
            leftIndent=body_size * 0.6,
            rightIndent=body_size * 0.6,
            spaceBefore=body_size * 0.6,
            spaceAfter=body_size * 0.8,
        ),
    )


#: Draws the running header and footer of one page: (canvas, page number, page count).
PageDecorator = Callable[[Canvas, int, int], None]


def numbered_canvas(decorate: PageDecorator) -> Callable[..., Canvas]:
    """A canvas maker that knows the page count when it draws headers and footers ("Pagina 1 van 3").

    Pages are kept until the document is complete, then each is decorated and written.
    """

    class _NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                decorate(self, number, total)
                super().showPage()
            super().save()

    return _NumberedCanvas


def fit_line(text: str, font: str, size: float, width: float) -> str:
    """Shorten one line with '…' so it fits the width (a long practice name in the header)."""
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"
