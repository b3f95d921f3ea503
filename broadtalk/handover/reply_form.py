"""The handover letter's reply form: fields the recipient fills in on screen (a PDF form) or by
hand on paper, and reading a form filled in on screen back.

The form is drawn by ``pdf.render_handover_pdf`` at the end of the letter. Beside the printed
reference it carries three hidden, read-only fields: the referral's reference, the stable id of
its FHIR Task (``interop.handover_fhir.resource_id``: which practice and referral) and the
client's birth date, so an answer is matched to its referral and client as a FHIR Task is
(``interop.feedback.task_from_reply_form``). ``read_reply_form`` returns the fields' values;
pypdf is imported only there.
"""

from __future__ import annotations

import io
from collections.abc import Mapping

from reportlab.lib.colors import Color, white
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Table, TableStyle

from broadtalk.errors import InputError
from broadtalk.handover.content import HandoverContent
from broadtalk.handover.pdf_text import RULE, TEXT, Styles, para_text
from broadtalk.i18n import _, format_short_date

# The fields' names: ASCII, the same in every language, read back by ``read_reply_form``.
REFERENCE = "broadtalk_reference"
TASK = "broadtalk_task"
BIRTH_DATE = "broadtalk_birth_date"
ACCEPTED = "accepted"
DECLINED = "declined"
DECLINED_REASON = "declined_reason"
FIRST_CONTACT_ON = "first_contact_on"
FEEDBACK = "feedback"
NAME_FUNCTION = "name_function"
DATE = "date"
HIDDEN = (REFERENCE, TASK, BIRTH_DATE)
FIELD_FONT = "Helvetica"  # PDF viewers fill form fields in a standard font of their own
FIELD_FILL = Color(0.97, 0.97, 0.99)


class FormField(Flowable):
    """One field of the form, drawn where the table puts it (on paper: a box to write in)."""

    def __init__(
        self,
        name: str,
        width: float,
        height: float,
        *,
        kind: str = "text",
        value: str = "",
        tooltip: str = "",
        multiline: bool = False,
        hidden: bool = False,
    ) -> None:
        super().__init__()
        self.name, self.width, self.height, self.kind = name, width, height, kind
        self.value, self.tooltip, self.multiline, self.hidden = value, tooltip, multiline, hidden

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return (0, 0) if self.hidden else (self.width, self.height)

    def draw(self) -> None:
        form = self.canv.acroForm
        if self.kind == "checkbox":
            form.checkbox(
                name=self.name,
                tooltip=self.tooltip,
                x=0,
                y=0,
                size=self.height,
                relative=True,
                buttonStyle="check",
                borderWidth=0.6,
                borderColor=TEXT,
                fillColor=white,
                textColor=TEXT,
                forceBorder=True,
            )
            return
        flags = "readOnly" if self.hidden else ("multiline" if self.multiline else "")
        form.textfield(
            name=self.name,
            tooltip=self.tooltip,
            value=self.value,
            x=0,
            y=0,
            width=max(self.width, 1),
            height=max(self.height, 1),
            relative=True,
            fontName=FIELD_FONT,
            fontSize=10 if self.multiline else 9,
            borderWidth=0 if self.hidden else 0.5,
            borderColor=RULE,
            fillColor=FIELD_FILL if not self.hidden else white,
            textColor=TEXT,
            fieldFlags=flags,
            annotationFlags="hidden" if self.hidden else "print",
            forceBorder=not self.hidden,
            maxlen=20_000 if self.multiline else 200,
        )


def reply_form(content: HandoverContent, styles: Styles, frame_width: float, task_id: str) -> list[Flowable]:
    """The form's heading, the line saying where it goes, and the form itself (one table)."""
    label_width = 38 * mm
    field_width = frame_width - label_width - 12
    line = 5.2 * mm
    client = _("{name}, born {date}").format(
        name=content.client.name, date=format_short_date(content.client.birth_date)
    )
    hidden = [
        FormField(REFERENCE, 0, 0, value=content.reference, hidden=True),
        FormField(TASK, 0, 0, value=task_id, hidden=True),
        FormField(BIRTH_DATE, 0, 0, value=content.client.birth_date.isoformat(), hidden=True),
    ]
    reference = [_p(f"{content.reference} · {client}", styles.cell), *hidden]
    box = 3.6 * mm
    reason_width = field_width - 2 * (box + 3) - 26 * mm - 37 * mm - 4
    answer = Table(
        [
            [
                FormField(ACCEPTED, box, box, kind="checkbox", tooltip=_("accepted")),
                _p(_("accepted"), styles.cell),
                FormField(DECLINED, box, box, kind="checkbox", tooltip=_("declined")),
                _p(_("declined, because:"), styles.cell),
                FormField(DECLINED_REASON, reason_width, line, tooltip=_("declined, because:")),
            ],
        ],
        colWidths=[box + 3, 26 * mm, box + 3, 37 * mm, None],
        hAlign="LEFT",
    )
    tight = TableStyle(
        [
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 2),
            ("TOPPADDING", (0, 0), (-1, -1), 0),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
        ]
    )
    answer.setStyle(tight)
    # The day of the first contact and the day of the answer on one line.
    days = Table(
        [
            [
                FormField(FIRST_CONTACT_ON, 36 * mm, line, tooltip=_("First contact on")),
                _p(_("Date"), styles.cell_label),
                FormField(DATE, 36 * mm, line, tooltip=_("Date")),
            ]
        ],
        colWidths=[36 * mm + 10 * mm, 14 * mm, None],
        hAlign="LEFT",
    )
    days.setStyle(tight)
    rows = [
        (_("Reference"), reference),
        (_("Referral"), answer),
        (_("First contact on"), days),
        (_("Feedback"), FormField(FEEDBACK, field_width, 2.6 * line, tooltip=_("Feedback"), multiline=True)),
        (_("Name and function"), FormField(NAME_FUNCTION, field_width, line, tooltip=_("Name and function"))),
    ]
    table = Table(
        [[_p(label, styles.cell_label), value] for label, value in rows],
        colWidths=[label_width, frame_width - label_width],
        hAlign="LEFT",
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("BOX", (0, 0), (-1, -1), 0.6, RULE),
                ("LEFTPADDING", (0, 0), (-1, -1), 6),
                ("RIGHTPADDING", (0, 0), (-1, -1), 6),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ]
        )
    )
    heading = _p(_("Reply form"), styles.heading)
    intro = _p(
        _(
            "Please fill in and return to: {contact}. You can fill it in on screen and send the PDF back, or print it."
        ).format(contact=content.feedback_contact),
        styles.small,
    )
    return [heading, intro, table]


def read_reply_form(data: bytes) -> Mapping[str, str]:
    """The values of a filled-in reply form (empty fields as ""); InputError when the PDF cannot
    be read or holds no broadtalk reply form."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise InputError(
                _("The PDF is locked with a password; ask the recipient to send the reply form without one.")
            )
        fields = reader.get_fields() or {}
    except InputError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, RecursionError, OSError):
        raise InputError(_("The PDF cannot be read; ask the recipient to send the reply form again.")) from None
    if REFERENCE not in fields:
        raise InputError(
            _(
                "The PDF holds no broadtalk reply form (it was printed and scanned, or it is another document); "
                "record the answer by hand on the referral."
            )
        )
    values: dict[str, str] = {}
    for name in (*HIDDEN, ACCEPTED, DECLINED, DECLINED_REASON, FIRST_CONTACT_ON, FEEDBACK, NAME_FUNCTION, DATE):
        field = fields.get(name)
        value = field.get("/V") if field is not None else None
        values[name] = str(value) if value is not None else ""
    return values


def _p(text: str, style) -> Paragraph:
    return Paragraph(para_text(text, style.fontName), style)


def ticked(value: str) -> bool:
    """A check box's value: "/Yes" (or any state but "/Off") when ticked."""
    return value not in ("", "/Off", "Off")
