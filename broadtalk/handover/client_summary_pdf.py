"""The client's own summary of a conversation as a one-page PDF, in plain words and large type.

It takes only ``ClientSummary`` (``broadtalk.client_summary``): what it does not hold cannot
appear. The look is the handover's (``pdf_text``: the embedded DejaVu fonts, the styles, user text
only through ``para_text``, metadata that names no one). It is always one page: when the texts
are long, the type steps down from the client's copy's 14 pt to no less than 11 pt, and only then
are the longest texts shortened (with "…") and, as a last resort, the last items of the longest
list (important domains, goals, agreements) left off, with a line that says how many.
"""

from __future__ import annotations

import io
import logging
from dataclasses import replace
from datetime import date
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer

from broadtalk.client_summary import AgreedStep, ClientSummary
from broadtalk.handover.pdf import CLIENT_BODY_SIZE, MARGIN_BOTTOM, MARGIN_TOP, MARGIN_X, PdfRenderError, unbroken
from broadtalk.handover.pdf_text import (
    FONT,
    MUTED,
    RULE,
    Styles,
    document_info,
    make_styles,
    numbered_canvas,
    para_text,
)
from broadtalk.i18n import _, format_date, ngettext

log = logging.getLogger(__name__)

#: The type never gets smaller than this, however much there is to say.
SMALLEST_BODY_SIZE = 11.0
#: Texts are shortened to these lengths, one step after the other, when smaller type is not enough.
SHORTEN_TO = (400, 240, 140, 80)


def render_client_summary_pdf(summary: ClientSummary) -> bytes:
    """The summary on one A4 page, in the current language."""
    size = CLIENT_BODY_SIZE
    while True:
        data, pages = _build(summary, size)
        if pages == 1 or size <= SMALLEST_BODY_SIZE:
            break
        size = max(SMALLEST_BODY_SIZE, size - 1)
    for limit in SHORTEN_TO:
        if pages == 1:
            return data
        data, pages = _build(_shortened(summary, limit), size)
    shortened = _shortened(summary, SHORTEN_TO[-1])
    left_off = 0
    while pages > 1 and (shortened.goals or shortened.actions or shortened.important):
        shortened = _without_last(shortened)
        left_off += 1
        data, pages = _build(shortened, size, left_off)
    return data


def _build(summary: ClientSummary, body_size: float, left_off: int = 0) -> tuple[bytes, int]:
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP - 6 * mm,
        bottomMargin=MARGIN_BOTTOM - 4 * mm,
        **document_info(_("What we talked about together")),
    )
    pages: list[int] = []

    def decorate(canvas: Canvas, page: int, total: int) -> None:
        pages.append(total)
        canvas.saveState()
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.6)
        bottom = 12 * mm
        canvas.line(MARGIN_X, bottom + 4 * mm, A4[0] - MARGIN_X, bottom + 4 * mm)
        canvas.setFont(FONT, 8)
        canvas.setFillColor(MUTED)
        canvas.drawString(MARGIN_X, bottom, _("Personal: for you"))
        canvas.restoreState()

    try:
        doc.build(_story(summary, make_styles(body_size), left_off), canvasmaker=numbered_canvas(decorate))
    except Exception as error:
        log.error("client summary PDF failed: %s", type(error).__name__)
        raise PdfRenderError(
            _("The PDF could not be made. Try again; if it keeps failing, report it to your administrator.")
        ) from None
    return buffer.getvalue(), (pages[0] if pages else 0)


def _shorten(text: str, limit: int) -> str:
    """At most ``limit`` characters, cut after a whole word, with "…"."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:.") + "…"


def _shortened(summary: ClientSummary, limit: int) -> ClientSummary:
    return replace(
        summary,
        what_matters_most=_shorten(summary.what_matters_most, limit),
        goals=tuple(_shorten(g, limit) for g in summary.goals),
        actions=tuple(
            replace(a, what=_shorten(a.what, limit), who=_shorten(a.who, max(40, limit // 3))) for a in summary.actions
        ),
    )


def _without_last(summary: ClientSummary) -> ClientSummary:
    """One item fewer, from the longest of the lists (important domains, goals, agreements), so
    each keeps its first items: the agreements never all go while other lists stay whole."""
    lists = {"important": summary.important, "goals": summary.goals, "actions": summary.actions}
    name = max(lists, key=lambda key: len(lists[key]))
    return replace(summary, **{name: lists[name][:-1]})


def _p(text: str, style: Any) -> Paragraph:
    return Paragraph(para_text(text, style.fontName), style)


def _bullet(text: str, styles: Styles) -> Paragraph:
    return Paragraph(text, styles.bullet, bulletText="•")


def _long_date(day: date) -> str:
    """'16 maart 2026', never broken over two lines."""
    return format_date(day, "long").replace(" ", "\u00a0")


def _step_text(step: AgreedStep) -> str:
    text = para_text(step.what)
    parts = []
    if step.who:
        parts.append(_("Who: {who}").format(who=step.who))
    if step.due_date is not None:
        parts.append(_("When: before {date}").format(date=_long_date(step.due_date)))
    if step.done:
        parts.append(_("Already done"))
    if parts:
        text += "<br/>" + para_text(" · ".join(parts))
    return text


def _story(summary: ClientSummary, styles: Styles, left_off: int) -> list[Flowable]:
    story: list[Flowable] = [
        _p(summary.practice.name, styles.small) if summary.practice.name else Spacer(1, 0),
        _p(_("What we talked about together"), styles.title),
        _p(_("For {name}").format(name=summary.client_name), styles.body),
    ]
    if summary.practitioner_name:
        talked = _("On {date} you talked with {name} about how you are doing.").format(
            date=_long_date(summary.conversation_date), name=summary.practitioner_name
        )
    else:
        talked = _("On {date} we talked about how you are doing.").format(date=_long_date(summary.conversation_date))
    story.append(_p(talked, styles.body))

    if summary.what_matters_most or summary.important:
        story.append(_p(_("What matters to you"), styles.heading))
        if summary.what_matters_most:
            story.append(_p(_("“{text}”").format(text=summary.what_matters_most), styles.quote))
        if summary.important:
            story.append(_p(_("You find these things important:"), styles.body))
            story += [_bullet(para_text(title), styles) for title in summary.important]

    if summary.goals:
        story.append(_p(_("Your goals"), styles.heading))
        story += [_bullet(para_text(goal), styles) for goal in summary.goals]

    if summary.actions:
        story.append(_p(_("What we agreed"), styles.heading))
        story += [_bullet(_step_text(step), styles) for step in summary.actions]
    if left_off:
        story.append(
            _p(
                ngettext(
                    "One more point did not fit on this page; ask us for it.",
                    "{count} more points did not fit on this page; ask us for them.",
                    left_off,
                ).format(count=left_off),
                styles.small,
            )
        )

    story.append(_p(_("When we see each other again"), styles.heading))
    if summary.follow_up_date is not None:
        when = _long_date(summary.follow_up_date)
        if summary.practitioner_name and summary.practitioner_role:
            again = _("On {date} with {name}, {role}.").format(
                date=when, name=summary.practitioner_name, role=summary.practitioner_role
            )
        elif summary.practitioner_name:
            again = _("On {date} with {name}.").format(date=when, name=summary.practitioner_name)
        else:
            again = _("On {date}.").format(date=when)
        story.append(_p(again, styles.body))
        story.append(_p(_("Can you not come? Then please call the practice."), styles.body))
    else:
        story.append(_p(_("We have not set a date yet. Call the practice to make an appointment."), styles.body))

    practice = summary.practice
    contact = [
        line
        for line in (
            practice.name,
            practice.address_line(),
            _("Phone {phone}").format(phone=unbroken(practice.phone)) if practice.phone else "",
            _("E-mail {email}").format(email=practice.email) if practice.email else "",
        )
        if line
    ]
    if contact:
        story.append(_p(_("Questions? Get in touch with us"), styles.heading))
        story.append(Paragraph("<br/>".join(para_text(line) for line in contact), styles.body))
    return story
