"""The handover as PDF: the letter for the recipient, and the client's own copy.

Both renderers take only ``HandoverContent`` (already limited to what the client consented to)
and write in the current language. What is not in the content cannot appear; what the consent
leaves out is absent, not an empty heading (the consent box says in one line what is not shared).

Every piece of user text goes through ``para_text`` (escaped, literal) before it meets a
Paragraph; markup comes from this module only. The PDF's metadata names no one: a generic title
and "broadtalk" as author. The document is built in memory and written only when complete, so a
failure leaves no half-written file, and its message carries no user text.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import BinaryIO

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from broadtalk.errors import BroadtalkError, os_reason
from broadtalk.handover.chart import scores_drawing
from broadtalk.handover.content import (
    ActionLine,
    ClientIdentity,
    Contact,
    HandoverContent,
    SharedDomain,
    WithdrawalContent,
)
from broadtalk.handover.pdf_text import (
    ACCENT,
    BOX_FILL,
    FONT,
    FONT_BOLD,
    MUTED,
    RULE,
    Styles,
    colour_hex,
    document_info,
    fit_line,
    line_text,
    make_styles,
    numbered_canvas,
    para_text,
)
from broadtalk.handover.reply_form import reply_form
from broadtalk.i18n import _, format_date, format_short_date

log = logging.getLogger(__name__)

Target = Path | str | BinaryIO
PAGE_WIDTH, PAGE_HEIGHT = A4
#: The letter: calm body text for a professional reader.
LETTER_BODY_SIZE = 10.0
#: The client's copy: large type for everyone, also with poorer eyesight.
CLIENT_BODY_SIZE = 14.0
MARGIN_X = 22 * mm
MARGIN_TOP = 24 * mm
MARGIN_BOTTOM = 20 * mm
FRAME_WIDTH = PAGE_WIDTH - 2 * MARGIN_X
CONFIDENTIAL_RED = "#8B1E1E"
MUTED_HEX = MUTED.hexval().replace("0x", "#")


class PdfRenderError(BroadtalkError):
    """The PDF could not be made or saved; the message says what to do, and holds no user text."""


# -- public API --------------------------------------------------------------------------------


def render_handover_pdf(content: HandoverContent, target: Target) -> None:
    """The handover letter for the recipient (A4, current language) to a path or a binary file."""
    styles = make_styles(LETTER_BODY_SIZE)
    _render(
        _letter_story(content, styles),
        target,
        title=_("Warm handover"),
        decorate=_letter_page(content),
    )


def render_client_copy_pdf(content: HandoverContent, target: Target) -> None:
    """The client's own copy: short, plain language, large type (A4, current language)."""
    styles = client_copy_styles()
    _render(
        _client_story(content, styles),
        target,
        title=_("Your copy of the handover"),
        decorate=_client_page(content),
    )


def render_withdrawal_notice_pdf(content: WithdrawalContent, target: Target) -> None:
    """For the recipient: the client withdrew consent; no conversation content (A4, current language)."""
    styles = make_styles(LETTER_BODY_SIZE)
    _render(
        _withdrawal_notice_story(content, styles),
        target,
        title=_("Consent withdrawn"),
        decorate=_simple_page(content.practice.name, _("Confidential"), content.reference),
    )


def render_withdrawal_confirmation_pdf(content: WithdrawalContent, target: Target) -> None:
    """For the client: a short confirmation of the withdrawal, in large type."""
    styles = client_copy_styles()
    _render(
        _withdrawal_confirmation_story(content, styles),
        target,
        title=_("Your consent has been withdrawn"),
        decorate=_simple_page(content.practice.name, _("Personal"), content.reference),
    )


def client_copy_styles() -> Styles:
    """The client's copy's styles (body ≥ 14 pt); public so tests can check the type size."""
    return make_styles(CLIENT_BODY_SIZE)


# -- building and writing ----------------------------------------------------------------------


def _render(story: list[Flowable], target: Target, *, title: str, decorate: Callable[[Canvas, int, int], None]) -> None:
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        **document_info(title),
    )
    try:
        doc.build(story, canvasmaker=numbered_canvas(decorate))
    except Exception as error:
        # ReportLab's messages quote the flowable's text: only the type goes to the log.
        log.error("handover PDF failed: %s", type(error).__name__)
        raise PdfRenderError(
            _("The PDF could not be made. Try again; if it keeps failing, report it to your administrator.")
        ) from None
    data = buffer.getvalue()
    if isinstance(target, str | Path):
        try:
            Path(target).write_bytes(data)
        except OSError as error:
            raise PdfRenderError(
                _("The PDF could not be saved ({reason}); choose another folder.").format(reason=os_reason(error))
            ) from None
    else:
        target.write(data)


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph of user (or model) text: always literal, checked against the style's font."""
    return Paragraph(para_text(text, style.fontName), style)


def _labelled(label: str, value: str) -> str:
    """'<b>Label</b> value' with both parts escaped (labels are translations, still not markup)."""
    return f"<b>{para_text(label, FONT_BOLD)}</b> {para_text(value)}"


def _table(rows: list[list[Flowable]], widths: list[float], extra: Iterable[tuple] = ()) -> Table:
    table = Table(rows, colWidths=widths, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 6),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                *extra,
            ]
        )
    )
    return table


def _rows(pairs: Iterable[tuple[str, str]], styles: Styles) -> list[list[Flowable]]:
    return [[_p(label, styles.cell_label), _p(value, styles.cell)] for label, value in pairs if value]


def _yes_no(value: bool) -> str:
    return _("Yes") if value else _("No")


def _score_text(domain: SharedDomain) -> str:
    if domain.score is None:
        return _("No score")
    return _("{score} of {maximum}").format(score=domain.score, maximum=domain.scale_max)


def own_score_text(domain: SharedDomain) -> str:
    """The client's own score on the domain's scale ("4 of 10"); empty when they gave none."""
    if domain.client_score is None:
        return ""
    return _("{score} of {maximum}").format(score=domain.client_score, maximum=domain.scale_max)


def _action_detail(action: ActionLine) -> str:
    parts = []
    if action.who:
        parts.append(_("Who: {who}").format(who=action.who))
    if action.due_date is not None:
        parts.append(_("By when: {date}").format(date=format_short_date(action.due_date)))
    return " · ".join(parts)


def unbroken(text: str) -> str:
    """A phone number (or a date) that never breaks over two lines: no-break spaces and hyphens."""
    return text.replace(" ", "\u00a0").replace("-", "\u2011")


def _contact_lines(contact: Contact) -> list[str]:
    """'Tel. 030 123 45 67', 'e-mail ...': how to reach someone, each on its own line."""
    lines = []
    if contact.phone:
        lines.append(_("Phone {phone}").format(phone=unbroken(contact.phone)))
    if contact.email:
        lines.append(_("E-mail {email}").format(email=contact.email))
    return lines


def _one_line(parts: list[str]) -> str:
    return " · ".join(parts)


def first_contact_sentence(content: HandoverContent) -> str:
    """For the recipient: who makes the first contact, and how."""
    if content.first_contact == "client":
        return _("The client will call you to make a first appointment.")
    if content.first_contact == "practice":
        if content.consent.share_identity_details:
            return _("The practice will call you to arrange the first contact with the client.")
        return _(
            "The client's address, phone number and e-mail address are not shared. The practice will call you to arrange "
            "the first contact with the client."
        )
    return _("Please contact the client yourself to make a first appointment.")


def _language_text(client: ClientIdentity) -> str:
    if client.language and client.interpreter_needed:
        return _("{language}; an interpreter is needed").format(language=client.language)
    if client.interpreter_needed:
        return _("An interpreter is needed")
    return client.language


def _long_date(day: date) -> str:
    """'2 maart 2026', never broken over two lines."""
    return format_date(day, "long").replace(" ", "\u00a0")


def _quoted(text: str) -> str:
    return _("“{text}”").format(text=text)


# -- page furniture ----------------------------------------------------------------------------


def _furniture(canvas: Canvas, left_top: str, right_top: str, left_bottom: str, page: int, total: int) -> None:
    canvas.saveState()
    top = PAGE_HEIGHT - 14 * mm
    right_width = canvas.stringWidth(right_top, FONT_BOLD, 9)
    canvas.setFont(FONT_BOLD, 9)
    canvas.setFillColor(ACCENT)
    canvas.drawString(MARGIN_X, top, fit_line(left_top, FONT_BOLD, 9, FRAME_WIDTH - right_width - 12))
    canvas.setFillColor(CONFIDENTIAL_RED)
    canvas.drawRightString(PAGE_WIDTH - MARGIN_X, top, right_top)
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.6)
    canvas.line(MARGIN_X, top - 3 * mm, PAGE_WIDTH - MARGIN_X, top - 3 * mm)
    bottom = 12 * mm
    canvas.line(MARGIN_X, bottom + 4 * mm, PAGE_WIDTH - MARGIN_X, bottom + 4 * mm)
    canvas.setFont(FONT, 8)
    canvas.setFillColor(MUTED)
    canvas.drawString(MARGIN_X, bottom, left_bottom)
    canvas.drawRightString(PAGE_WIDTH - MARGIN_X, bottom, _("Page {page} of {total}").format(page=page, total=total))
    canvas.restoreState()


def _letter_page(content: HandoverContent) -> Callable[[Canvas, int, int], None]:
    practice = line_text(content.practice_name, FONT_BOLD)
    footer = _("Handover {reference} · confidential").format(reference=content.reference)

    def decorate(canvas: Canvas, page: int, total: int) -> None:
        _furniture(canvas, practice, _("Confidential"), footer, page, total)

    return decorate


def _client_page(content: HandoverContent) -> Callable[[Canvas, int, int], None]:
    practice = line_text(content.practice_name, FONT_BOLD)
    footer = _("Your copy · reference {reference}").format(reference=content.reference)

    def decorate(canvas: Canvas, page: int, total: int) -> None:
        _furniture(canvas, practice, _("Personal"), footer, page, total)

    return decorate


def _simple_page(practice_name: str, right: str, reference: str) -> Callable[[Canvas, int, int], None]:
    practice = line_text(practice_name, FONT_BOLD)
    footer = _("Reference {reference}").format(reference=reference)

    def decorate(canvas: Canvas, page: int, total: int) -> None:
        _furniture(canvas, practice, right, footer, page, total)

    return decorate


# -- the letter --------------------------------------------------------------------------------


def _letter_story(content: HandoverContent, styles: Styles) -> list[Flowable]:
    story: list[Flowable] = [_p(_("Warm handover"), styles.title)]
    if content.draft:
        story.append(_p(_("Draft: the conversation was not completed when this letter was made."), styles.warning))
    if content.conversation_date is not None and content.model_title:
        story.append(
            _p(
                _("Following a conversation on {date} ({model}).").format(
                    date=_long_date(content.conversation_date), model=content.model_title
                ),
                styles.small,
            )
        )
    story.append(Spacer(1, 8))
    sender = ", ".join(p for p in (content.referrer.name, content.referrer.role) if p)
    practice = content.practice
    story.append(
        _table(
            _rows(
                [
                    (_("To"), content.recipient),
                    (_("From"), "\n".join(p for p in (sender, _one_line(_contact_lines(content.referrer))) if p)),
                    (
                        _("Practice"),
                        "\n".join(
                            p
                            for p in (
                                ", ".join(p for p in (practice.name, practice.address) if p),
                                _one_line(_contact_lines(practice)),
                            )
                            if p
                        ),
                    ),
                    (_("Sent on") if content.sent_on else _("Date"), _long_date(content.letter_date)),
                    (_("Reference"), content.reference),
                ],
                styles,
            ),
            [38 * mm, FRAME_WIDTH - 38 * mm],
        )
    )
    story += _client_block(content, styles)
    story += _question_block(content, styles)
    if content.what_matters_most:
        story.append(_p(_("What matters most to the client"), styles.heading))
        story.append(_p(_quoted(content.what_matters_most), styles.quote))
    for answer in content.conversation_answers:
        story.append(_p(answer.question, styles.label))
        story.append(_p(answer.answer, styles.body))
    if content.ranked:
        ranked = [d for d in content.domains if d.rank is not None]
        story.append(_p(_("The client's own order"), styles.heading))
        story.append(_p(_("The client wants to work on these domains in this order:"), styles.body))
        for number, domain in enumerate(ranked, start=1):
            story.append(Paragraph(para_text(domain.title), styles.bullet, bulletText=f"{number}."))
    story += _consent_box(content, styles)
    bars = len(content.scored_domains()) < 3
    scores = _scores_block(content, styles)
    if not bars:
        story += scores
    if content.domains:
        for index, domain in enumerate(content.domains):
            parts = _domain_parts(domain, styles)
            head = _head_length(parts)
            if index == 0 and bars and scores:
                # The section heading stays with the bars (never alone at a page foot).
                story.append(KeepTogether([_p(_("Per life domain"), styles.heading), *scores]))
            elif index == 0:  # the section heading goes with the first domain, never alone at a page foot
                parts.insert(0, _p(_("Per life domain"), styles.heading))
                head += 1
            # A domain's heading and its first lines stay together; long texts may run over the page.
            story += [KeepTogether(parts[:head]), *parts[head:]]
    if content.goals_shared or content.goals or content.actions:
        story += _goals_block(content, styles)
    story += _feedback_block(content, styles)
    return story


def _client_block(content: HandoverContent, styles: Styles) -> list[Flowable]:
    client = content.client
    rows = _rows(
        [
            (_("Name"), client.name),
            (_("Birth date"), format_short_date(client.birth_date)),
            (_("Address"), client.address),
            (_("Phone"), unbroken(client.phone)),
            (_("E-mail"), client.email),
            (_("GP"), client.general_practitioner),
            (_("Language"), _language_text(client)),
            (_("Reaching the client"), content.contact_preference),
            (_("First contact"), first_contact_sentence(content)),
        ],
        styles,
    )
    return [
        _p(_("Client"), styles.heading),
        _table(rows, [38 * mm, FRAME_WIDTH - 38 * mm]),
    ]


def _question_block(content: HandoverContent, styles: Styles) -> list[Flowable]:
    when = _labelled(_("Urgency:"), content.urgency)
    if content.feedback_due is not None:
        when += " · " + _labelled(_("Feedback expected by:"), _long_date(content.feedback_due))
    return [
        _p(_("Our question to you"), styles.heading),
        Paragraph(when, styles.body),
        _p(content.question, styles.boxed),
    ]


def _consent_box(content: HandoverContent, styles: Styles) -> list[Flowable]:
    consent = content.consent
    also, not_shared = [], []
    for shared, label in (
        (consent.share_identity_details, _("address, phone and e-mail")),
        (consent.share_goals_actions, _("goals and actions")),
        (consent.share_own_words, _("the client's own words")),
    ):
        (also if shared else not_shared).append(label)
    also += [label[:1].lower() + label[1:] for label in consent.piece_labels]  # inside a list
    rows = _rows(
        [
            (_("Shared with"), consent.recipient if consent.recipient != content.recipient else ""),
            (_("Purpose"), consent.purpose),
            (_("Life domains"), ", ".join(consent.domain_titles) or _("None")),
            (_("Also shared"), "; ".join(also)),
            (_("Not shared"), "; ".join(not_shared)),
            (
                _("Consent"),
                _("{method}, given on {date}; valid until {until}; recorded by {name}").format(
                    method=consent.method,
                    date=format_short_date(consent.given_on),
                    until=format_short_date(consent.valid_until),
                    name=consent.recorded_by,
                )
                if consent.recorded_by
                else _("{method}, given on {date}; valid until {until}").format(
                    method=consent.method,
                    date=format_short_date(consent.given_on),
                    until=format_short_date(consent.valid_until),
                ),
            ),
        ],
        styles,
    )
    if content.changed_after_consent:
        rows.append(
            [
                _p(
                    _(
                        "The conversation was changed after consent was given; only what lies within the "
                        "consented life domains is shared."
                    ),
                    styles.small,
                ),
                "",
            ]
        )
    if content.pieces_left_out:
        rows.append(
            [
                _p(_("Pieces that changed after consent was given are left out."), styles.small),
                "",
            ]
        )
    closing = _("Only what is in this letter is shared.")
    rows.append([_p(closing, styles.small), ""])
    # The heading is the table's first row, outside the box: the box may run over a page break
    # (at least three rows stay with the heading, and the last row never stands alone).
    heading = ParagraphStyle("box_heading", styles.heading, spaceBefore=0, keepWithNext=0)
    rows.insert(0, [_p(_("The client's consent"), heading), ""])
    pad = 7
    box = Table(
        rows,
        colWidths=[44 * mm, FRAME_WIDTH - 44 * mm],
        hAlign="LEFT",
        rowSplitRange=(4, len(rows) - 2),
        spaceBefore=styles.heading.spaceBefore,
    )
    box.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("SPAN", (0, 0), (-1, 0)),
                ("LEFTPADDING", (0, 0), (-1, 0), 0),
                ("BOTTOMPADDING", (0, 0), (-1, 0), styles.heading.spaceAfter),
                ("BACKGROUND", (0, 1), (-1, -1), BOX_FILL),
                ("BOX", (0, 1), (-1, -1), 0.6, RULE),
                ("LEFTPADDING", (0, 1), (-1, -1), pad),
                ("RIGHTPADDING", (0, 1), (-1, -1), pad),
                ("TOPPADDING", (0, 1), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 1), (-1, -1), 2),
                ("TOPPADDING", (0, 1), (-1, 1), pad),
                ("BOTTOMPADDING", (0, -1), (-1, -1), pad),
                ("TOPPADDING", (0, -1), (-1, -1), 5),
                ("SPAN", (0, -1), (-1, -1)),
                *[("SPAN", (0, r), (-1, r)) for r in range(len(rows)) if rows[r][1] == ""],
            ]
        )
    )
    return [box]


def _scores_block(content: HandoverContent, styles: Styles) -> list[Flowable]:
    scored = content.scored_domains()
    if not scored:
        return []
    # Compact type: the table is read at a glance, beside the chart's picture.
    cell = ParagraphStyle("values", styles.cell, fontSize=9.5, leading=12)
    head = ParagraphStyle("values_head", styles.label, spaceBefore=0, spaceAfter=0)
    # The client's own score gets a column of its own beside the practitioner's, when given.
    own = any(d.client_score is not None for d in scored)
    header = ["", _p(_("Life domain"), head), _p(_("Score"), head)]
    if own:
        header.append(_p(_("Client's own score"), head))
    header.append(_p(_("Meaning"), head))
    rows: list[list] = [header]
    for domain in scored:
        mark = Paragraph(f'<font color="{colour_hex(domain.colour)}">■</font>', cell)
        row = [mark, _p(domain.title, cell), _p(_score_text(domain), cell)]
        if own:
            row.append(_p(own_score_text(domain) or "–", cell))
        rows.append([*row, _p(domain.anchor_label or "–", cell)])
    score_width, meaning_width = 20 * mm, FRAME_WIDTH * (0.28 if own else 0.33)
    own_widths = [24 * mm] if own else []
    domain_width = FRAME_WIDTH - 5 * mm - score_width - sum(own_widths) - meaning_width
    widths = [5 * mm, domain_width, score_width, *own_widths, meaning_width]
    values = _table(
        rows,
        widths,
        [
            ("LINEBELOW", (0, 0), (-1, 0), 0.6, RULE),
            ("LINEBELOW", (0, 1), (-1, -1), 0.3, RULE),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ],
    )
    # Chart above table, both full width: a web beside the table came out too small to read.
    drawing = scores_drawing(content, FRAME_WIDTH)
    low, high = content.scale or (scored[0].scale_min, scored[0].scale_max)
    block: list[Flowable] = [
        _p(_("Scores at a glance"), styles.heading),
        _p(
            _("{model}; scale from {minimum} to {maximum}.").format(
                model=content.model_title, minimum=low, maximum=high
            ),
            styles.small,
        ),
        Spacer(1, 4),
    ]
    if drawing is not None and len(scored) < 3:
        # One or two domains: bars at the head of the domains, which give each score's meaning; the
        # bars' own axis shows the scale, and the model is named under the letter's title.
        return [drawing, Spacer(1, 4)]
    if drawing is None:
        block.append(values)
    else:
        block += [drawing, Spacer(1, 6), values]
    return [KeepTogether(block)]


def _head_length(parts: list[Flowable]) -> int:
    """How many of a domain's parts stay together: its title with the score lines, and with the
    first short label and text after them (a long text may start on the page)."""
    head = 1
    while head < len(parts) and not isinstance(parts[head], CondPageBreak) and head < 3:
        head += 1
    return head


def _domain_parts(domain: SharedDomain, styles: Styles) -> list[Flowable]:
    title = f'<font color="{colour_hex(domain.colour)}">■</font> {para_text(domain.title, FONT_BOLD)}'
    if domain.important:
        important = para_text(_("important to the client"))
        title += f' <font name="{FONT}" size="{styles.small.fontSize}" color="{MUTED_HEX}">★ {important}</font>'
    parts: list[Flowable] = [Paragraph(title, styles.subheading)]
    if domain.scale_min is not None:
        score = _score_text(domain)
        if domain.score is not None and domain.anchor_label:
            score = _("{score} – {label}").format(score=score, label=domain.anchor_label)
        parts.append(Paragraph(_labelled(_("Score:"), score), styles.body))
        if domain.score is not None and domain.anchor_description:
            parts.append(_p(domain.anchor_description, styles.small))
        if domain.client_score is not None:  # beside the practitioner's, never instead of it
            parts.append(Paragraph(_labelled(_("The client's own score:"), own_score_text(domain)), styles.body))
    if domain.client_wants_to_talk:
        parts.append(_p(_("The client wants to talk about this."), styles.body))
    for answer in domain.answers:
        parts += _labelled_text(answer.question, answer.answer, styles.body, styles)
    if domain.notes:
        parts += _labelled_text(_("Notes from the practitioner"), domain.notes, styles.body, styles)
    if domain.own_words:
        parts += _labelled_text(_("In their own words"), _quoted(domain.own_words), styles.quote, styles)
    if len(parts) == 1:
        parts.append(_p(_("Nothing was written down for this domain."), styles.small))
    return parts


#: A text longer than this may run over a page break: it starts where it is, never on a new page.
LONG_TEXT = 600


def _labelled_text(label: str, text: str, style: ParagraphStyle, styles: Styles) -> list[Flowable]:
    """A label and its text. A short text stays with its label; a long one starts on this page
    (a page more than half empty before a long note is a poor letter) unless fewer than four of
    its lines fit, and its label never ends a page alone."""
    if len(text) <= LONG_TEXT:
        return [_p(label, styles.label), _p(text, style)]
    loose = ParagraphStyle("label_loose", styles.label, keepWithNext=0)
    room = styles.label.leading + styles.label.spaceBefore + 4 * style.leading
    return [CondPageBreak(room), _p(label, loose), _p(text, style)]


def _goals_block(content: HandoverContent, styles: Styles) -> list[Flowable]:
    block: list[Flowable] = [_p(_("Goals and agreed actions"), styles.heading)]
    if not content.goals and not content.actions:
        block.append(_p(_("No goals or actions were agreed."), styles.body))
        return block
    if content.goals:
        block.append(_p(_("Goals"), styles.label))
        for goal in content.goals:
            text = para_text(goal.description)
            if goal.domain_title:
                text += f' <font color="{MUTED_HEX}">({para_text(goal.domain_title)})</font>'
            block.append(Paragraph(text, styles.bullet, bulletText="•"))
    if content.actions:
        block.append(_p(_("Actions"), styles.label))
        for action in content.actions:
            text = para_text(action.what)
            detail = _action_detail(action)
            if detail:
                text += f'<br/><font color="{MUTED_HEX}">{para_text(detail)}</font>'
            block.append(Paragraph(text, styles.bullet, bulletText="•"))
    return block


def _feedback_block(content: HandoverContent, styles: Styles) -> list[Flowable]:
    due = _long_date(content.feedback_due) if content.feedback_due else ""
    request = (
        _(
            "Please let us know by {date} whether you have met the client, and later how it is going; "
            "also when the contact does not come about. You can use the reply form below."
        ).format(date=due)
        if due
        else _(
            "Please let us know when you have met the client, and later how it is going; "
            "also when the contact does not come about. You can use the reply form below."
        )
    )
    block: list[Flowable] = [
        _p(_("How to give feedback"), styles.heading),
        _p(request, styles.body),
    ]
    signed = ", ".join(p for p in (content.referrer.role, content.practice.name) if p)
    contact = [
        (f"<b>{para_text(content.referrer.name, FONT_BOLD)}</b>, " if content.referrer.name else "")
        + para_text(signed),
        para_text(_one_line(_contact_lines(content.referrer))),
    ]
    block.append(Spacer(1, 4))
    block.append(_p(_("Kind regards,"), styles.body))
    block.append(Paragraph("<br/>".join(c for c in contact if c), styles.body))
    # The request, the signature and the reply form stay together: the form never stands alone.
    return [KeepTogether([*block, *_reply_form(content, styles)])]


def _reply_form(content: HandoverContent, styles: Styles) -> list[Flowable]:
    """One section the recipient fills in (on screen: a PDF form) and sends back: never split."""
    from broadtalk.interop.handover_fhir import resource_id

    return reply_form(content, styles, FRAME_WIDTH, resource_id(content.source, content.reference, "task"))


# -- the client's copy ---------------------------------------------------------------------------


def _client_story(content: HandoverContent, styles: Styles) -> list[Flowable]:
    consent = content.consent
    talked_with = content.conversation_by or content.referrer.name or consent.recorded_by
    recipient = content.recipient_contact
    practice = content.practice
    story: list[Flowable] = [
        _p(_("Your copy of the handover"), styles.title),
        _p(
            _("For {name}, {date}").format(name=content.client.name, date=_long_date(content.letter_date)),
            styles.small,
        ),
        Spacer(1, 6),
        _p(
            _(
                "With your consent, we pass on part of what you talked about to {recipient}. "
                "Here you can read what we pass on."
            ).format(recipient=recipient.name),
            styles.body,
        ),
    ]

    story.append(_p(_("What we talked about"), styles.heading))
    if content.conversation_date is not None:
        talked = _("On {date} you talked with {name} about how you are doing.").format(
            date=_long_date(content.conversation_date), name=talked_with
        )
    else:
        talked = _("You talked with {name} about how you are doing.").format(name=talked_with)
    story.append(_p(talked, styles.body))
    if content.domains:
        story.append(_p(_("We pass on what we said about:"), styles.body))
        for domain in content.domains:
            text = para_text(_plain_domain(domain))
            if domain.client_score is not None:
                text += "<br/>" + para_text(_("Your own score: {score}").format(score=own_score_text(domain)))
            if domain.client_wants_to_talk:
                text += "<br/>" + para_text(_("You want to talk about this."))
            story.append(Paragraph(text, styles.bullet, bulletText="•"))

    own_words = [d for d in content.domains if d.important and d.own_words]
    if content.what_matters_most or own_words:
        story.append(_p(_("What matters to you"), styles.heading))
        if content.what_matters_most:
            story.append(_p(_quoted(content.what_matters_most), styles.quote))
        for domain in own_words:
            story.append(
                _p(_("About ‘{domain}’, you said:").format(domain=domain.plain_title or domain.title), styles.body)
            )
            story.append(_p(_quoted(domain.own_words), styles.quote))

    if content.goals or content.actions:
        story.append(_p(_("What you agreed to do"), styles.heading))
        for goal in content.goals:
            goal_text = para_text(_("Goal: {goal}").format(goal=goal.description))
            story.append(Paragraph(goal_text, styles.bullet, bulletText="•"))
        for action in content.actions:
            text = para_text(action.what)
            detail = _action_detail(action)
            if detail:
                text += f"<br/>{para_text(detail)}"
            story.append(Paragraph(text, styles.bullet, bulletText="•"))

    story.append(_p(_("Who will contact you, and when"), styles.heading))
    reach = ", ".join(p for p in (recipient.role, unbroken(recipient.phone)) if p)
    story.append(
        _p(
            _("You are referred to {recipient}.").format(recipient=recipient.name)
            + (" " + _("You can reach them at: {contact}.").format(contact=reach) if recipient.phone else ""),
            styles.body,
        )
    )
    story.append(_p(_client_first_contact(content), styles.body))
    story.append(_p(_client_urgency(content.urgency_code, content.first_contact), styles.body))
    story.append(_p(_client_if_stuck(content), styles.body))

    story.append(_p(_("What you agreed we may share, and with whom"), styles.heading))
    story.append(
        _p(
            _("You gave your consent on {date}. It is valid until {until}.").format(
                date=_long_date(consent.given_on), until=_long_date(consent.valid_until)
            ),
            styles.body,
        )
    )
    story.append(_p(_("We share this with {recipient}:").format(recipient=recipient.name), styles.body))
    shared = [_("your name and date of birth")]
    if content.client.general_practitioner or content.client.language or content.client.interpreter_needed:
        shared.append(_("who your GP is, and which language you prefer"))
    not_shared = []
    if consent.share_identity_details:
        shared.append(_("your address, phone number and e-mail address"))
    else:
        not_shared.append(_("your address, phone number and e-mail address"))
    if content.domains:
        shared.append(
            _("what we talked about: {domains}").format(
                domains=", ".join(d.plain_title or d.title for d in content.domains)
            )
        )
    for flag, label in (
        (consent.share_goals_actions, _("your goals and what you agreed")),
        (consent.share_own_words, _("what you said yourself, in your own words")),
    ):
        (shared if flag else not_shared).append(label)
    if consent.piece_labels:
        shared.append(_("what you chose to share yourself: {pieces}").format(pieces="; ".join(consent.piece_labels)))
    story += [Paragraph(para_text(item), styles.bullet, bulletText="•") for item in shared]
    if not_shared:
        story.append(_p(_("We do not share:"), styles.body))
        story += [Paragraph(para_text(item), styles.bullet, bulletText="•") for item in not_shared]
    story.append(_p(_("Why: {purpose}").format(purpose=consent.purpose), styles.body))

    story.append(_p(_("Withdrawing your consent"), styles.heading))
    who = talked_with
    if content.conversation_by_role and talked_with == content.conversation_by:
        who = _("{name}, {role}").format(name=talked_with, role=content.conversation_by_role)
    if practice.phone:
        withdraw = _(
            "Have you changed your mind? You may withdraw your consent at any time. "
            "Tell {name}, or call the practice: {phone}."
        ).format(name=who, phone=unbroken(practice.phone))
    else:
        withdraw = _(
            "Have you changed your mind? You may withdraw your consent at any time. Tell {name} at the practice."
        ).format(name=who)
    story.append(_p(withdraw, styles.body))
    story.append(_p(_("After that, we share nothing more."), styles.body))
    return story


def _plain_domain(domain: SharedDomain) -> str:
    """'Money: 2 of 5 (1 = serious problems, 5 = fully self-reliant)': the score with its direction."""
    title = domain.plain_title or domain.title
    if domain.score is None:
        return title
    text = _("{domain}: {score}").format(domain=title, score=_score_text(domain))
    if domain.scale_min_label and domain.scale_max_label:
        text += " " + _("({low} = {low_label}, {high} = {high_label})").format(
            low=domain.scale_min,
            low_label=domain.scale_min_label,
            high=domain.scale_max,
            high_label=domain.scale_max_label,
        )
    return text


def _client_if_stuck(content: HandoverContent) -> str:
    """What the client does when the contact does not come about: call the practice, in a time
    that fits the urgency (and the practice's number when it is known)."""
    if content.first_contact == "client":
        question = _("Can you not reach them?")
    else:
        question = {
            "urgent": _("Have you not heard anything within three days?"),
            "soon": _("Have you not heard anything within a week?"),
        }.get(content.urgency_code, _("Have you not heard anything within two weeks?"))
    phone = content.practice.phone
    then = (
        _("Then call the practice: {phone}.").format(phone=unbroken(phone)) if phone else _("Then call the practice.")
    )
    return f"{question} {then}"


def _client_first_contact(content: HandoverContent) -> str:
    recipient = content.recipient_contact.name
    if content.first_contact == "client":
        return _("You call {recipient} yourself to make a first appointment.").format(recipient=recipient)
    if content.first_contact == "practice":
        return _(
            "The practice calls {recipient} to arrange the first contact; then you will hear from them or from us."
        ).format(recipient=recipient)
    return _("{recipient} will contact you.").format(recipient=recipient)


def _client_urgency(urgency: str, first_contact: str) -> str:
    """How soon, as a sentence for the client."""
    if first_contact == "client":
        sentences = {
            "routine": _("There is no rush; call them when it suits you, within a few weeks."),
            "soon": _("Please call them within a week."),
            "urgent": _("Please call them within two days."),
        }
    else:
        sentences = {
            "routine": _("There is no rush: the first contact will be as soon as they can."),
            "soon": _("The first contact will be within a week."),
            "urgent": _("The first contact will be within two days."),
        }
    return sentences.get(urgency, sentences["routine"])


# -- after a withdrawal ----------------------------------------------------------------------------


def _withdrawal_notice_story(content: WithdrawalContent, styles: Styles) -> list[Flowable]:
    referrer = ", ".join(p for p in (content.referrer.name, content.referrer.role) if p)
    practice = content.practice
    rows = _rows(
        [
            (_("To"), ", ".join(p for p in (content.recipient.name, content.recipient.role) if p)),
            (_("From"), "\n".join(p for p in (referrer, *_contact_lines(content.referrer)) if p)),
            (_("Practice"), "\n".join(p for p in (practice.name, practice.address, *_contact_lines(practice)) if p)),
            (_("Date"), _long_date(content.created_on)),
            (_("Reference"), content.reference),
            (
                _("Client"),
                _("{name}, born {date}").format(
                    name=content.client_name, date=format_short_date(content.client_birth_date)
                ),
            ),
        ],
        styles,
    )
    sent = (
        _("On {date} we sent you a handover with reference {reference}.").format(
            date=_long_date(content.sent_on), reference=content.reference
        )
        if content.sent_on
        else _("We prepared a handover for you with reference {reference}.").format(reference=content.reference)
    )
    if content.sent_on:
        withdrawn = _(
            "On {date} the client withdrew the consent under which we shared that information. "
            "From that day on the consent no longer applies: please do not use the information "
            "from our handover any further, and we will share nothing more."
        )
    else:
        withdrawn = _(
            "On {date} the client withdrew the consent for it. We will not send it, and we will share nothing "
            "about the client with you under this referral."
        )
    return [
        _p(_("Consent withdrawn"), styles.title),
        Spacer(1, 8),
        _table(rows, [38 * mm, FRAME_WIDTH - 38 * mm]),
        Spacer(1, 10),
        _p(sent, styles.body),
        _p(withdrawn.format(date=_long_date(content.withdrawn_on)), styles.body),
        _p(
            _(
                "Had you already been in contact with the client? Then please let us know. "
                "Whether the client still wants help from you is for the client to decide with you."
            ),
            styles.body,
        ),
        Spacer(1, 8),
        _p(_("Kind regards,"), styles.body),
        Paragraph(
            "<br/>".join(
                c
                for c in (
                    f"<b>{para_text(content.referrer.name, FONT_BOLD)}</b>" if content.referrer.name else "",
                    para_text(content.referrer.role),
                    *(para_text(line) for line in _contact_lines(content.referrer)),
                    para_text(practice.name),
                )
                if c
            ),
            styles.body,
        ),
    ]


def _withdrawal_confirmation_story(content: WithdrawalContent, styles: Styles) -> list[Flowable]:
    practice = content.practice
    story: list[Flowable] = [
        _p(_("Your consent has been withdrawn"), styles.title),
        _p(
            _("For {name}, {date}").format(name=content.client_name, date=_long_date(content.created_on)),
            styles.small,
        ),
        Spacer(1, 6),
        _p(
            _("On {date} you withdrew your consent to share information with {recipient}.").format(
                date=_long_date(content.withdrawn_on), recipient=content.recipient.name
            ),
            styles.body,
        ),
        _p(_("From that day on, we share nothing more with them."), styles.body),
    ]
    if content.sent_on:
        story.append(
            _p(
                _(
                    "On {date} we had already sent them some information. We have told them that you "
                    "withdrew your consent and that they may no longer use it."
                ).format(date=_long_date(content.sent_on)),
                styles.body,
            )
        )
    else:
        story.append(_p(_("We had not sent them anything yet; nothing will be sent."), styles.body))
    if practice.phone:
        questions = _("Do you have questions, or do you want help after all? Call the practice: {phone}.").format(
            phone=unbroken(practice.phone)
        )
    else:
        questions = _("Do you have questions, or do you want help after all? Ask {name} at the practice.").format(
            name=content.conversation_by
        )
    story.append(_p(questions, styles.body))
    return story
