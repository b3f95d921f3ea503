"""The handover content as HTML for the screen: the consent dialog shows it before consent is saved.

A renderer like the PDF: it receives only ``HandoverContent`` (built by the same pure function,
``build_handover``) and so shows exactly what the recipient will get, in the same order. No Qt
here; the dialog puts the HTML in a read-only text view. Every piece of user text is escaped.
"""

from __future__ import annotations

from html import escape

from broadtalk.handover.content import HandoverContent, SharedDomain
from broadtalk.i18n import _, format_short_date


def _text(value: str) -> str:
    return escape(value).replace("\n", "<br/>")


def _row(label: str, value: str) -> str:
    if not value:
        return ""
    return f"<tr><td style='color:#5B6470; padding-right:12px'>{_text(label)}</td><td>{_text(value)}</td></tr>"


def _heading(text: str, level: int = 3) -> str:
    return f"<h{level}>{_text(text)}</h{level}>"


def _labelled(label: str, value: str) -> str:
    return f"<p><i>{_text(label)}</i><br/>{_text(value)}</p>"


def _domain(domain: SharedDomain) -> list[str]:
    parts = [_heading(domain.title, 4)]
    if domain.score is not None:
        score = _("{score} of {maximum}").format(score=domain.score, maximum=domain.scale_max)
        if domain.anchor_label:
            score = _("{score} – {label}").format(score=score, label=domain.anchor_label)
        label = _("Score:")
        parts.append(f"<p><b>{_text(label)}</b> {_text(score)}</p>")
    if domain.client_score is not None:  # beside the practitioner's score, never instead of it
        own = _("{score} of {maximum}").format(score=domain.client_score, maximum=domain.scale_max)
        own_label = _("The client's own score:")
        parts.append(f"<p><b>{_text(own_label)}</b> {_text(own)}</p>")
    if domain.client_wants_to_talk:
        talk = _("The client wants to talk about this.")
        parts.append(f"<p>{_text(talk)}</p>")
    for answer in domain.answers:
        parts.append(_labelled(answer.question, answer.answer))
    if domain.notes:
        parts.append(_labelled(_("Notes from the practitioner"), domain.notes))
    if domain.own_words:
        parts.append(_labelled(_("In their own words"), _("“{text}”").format(text=domain.own_words)))
    return parts


def handover_html(content: HandoverContent) -> str:
    """Everything the recipient will read, in the letter's order, as simple HTML."""
    out: list[str] = []
    if content.draft:
        out.append(
            "<p style='color:#8B1E1E'><b>"
            + _text(_("Draft: the conversation was not completed when this letter was made."))
            + "</b></p>"
        )
    client = content.client
    out.append("<table>")
    out.append(_row(_("To"), content.recipient))
    out.append(_row(_("Name"), client.name))
    out.append(_row(_("Birth date"), format_short_date(client.birth_date)))
    out.append(_row(_("Address"), client.address))
    out.append(_row(_("Phone"), client.phone))
    out.append(_row(_("E-mail"), client.email))
    out.append(_row(_("GP"), client.general_practitioner))
    language = client.language
    if client.interpreter_needed:
        language = ", ".join(p for p in (language, _("an interpreter is needed")) if p)
    out.append(_row(_("Language"), language))
    out.append(_row(_("Reaching the client"), content.contact_preference))
    out.append("</table>")
    out.append(_heading(_("Our question to you")) + f"<p>{_text(content.question)}</p>")
    if content.what_matters_most:
        out.append(_heading(_("What matters most to the client")))
        out.append("<p>" + _text(_("“{text}”").format(text=content.what_matters_most)) + "</p>")
    for answer in content.conversation_answers:
        out.append(_labelled(answer.question, answer.answer))
    if content.domains:
        out.append(_heading(_("Per life domain")))
        for domain in content.domains:
            out += _domain(domain)
    if content.goals or content.actions:
        out.append(_heading(_("Goals and agreed actions")) + "<ul>")
        for goal in content.goals:
            suffix = f" <span style='color:#5B6470'>({_text(goal.domain_title)})</span>" if goal.domain_title else ""
            out.append(f"<li>{_text(goal.description)}{suffix}</li>")
        for action in content.actions:
            detail = ", ".join(
                p for p in (action.who, format_short_date(action.due_date) if action.due_date else "") if p
            )
            suffix = f" <span style='color:#5B6470'>({_text(detail)})</span>" if detail else ""
            out.append(f"<li>{_text(action.what)}{suffix}</li>")
        out.append("</ul>")
    if not content.domains and not content.goals and not content.actions and not content.what_matters_most:
        out.append("<p><i>" + _text(_("Nothing from the conversation is shared yet.")) + "</i></p>")
    return "\n".join(part for part in out if part)
