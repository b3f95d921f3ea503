"""The steps of a referral's life and their names: plain values that the referrals use case and
the audit trail (which names a referral's new step in words) both read.

draft → sent → accepted → first contact → feedback received → closed; a recipient may decline.
"""

from __future__ import annotations

from broadtalk.i18n import N_, _

DRAFT, SENT, ACCEPTED, FIRST_CONTACT, FEEDBACK, CLOSED, DECLINED = (
    "draft",
    "sent",
    "accepted",
    "first_contact",
    "feedback_received",
    "closed",
    "declined",
)
ORDER = (DRAFT, SENT, ACCEPTED, FIRST_CONTACT, FEEDBACK, CLOSED)
STATUS_LABELS = {
    DRAFT: N_("Draft"),
    SENT: N_("Sent"),
    ACCEPTED: N_("Accepted"),
    FIRST_CONTACT: N_("First contact"),
    FEEDBACK: N_("Feedback received"),
    CLOSED: N_("Closed"),
    DECLINED: N_("Declined"),
}
#: Waiting for feedback: these count towards "overdue".
AWAITING_FEEDBACK = (SENT, ACCEPTED, FIRST_CONTACT)


def status_label(status: str) -> str:
    return _(STATUS_LABELS.get(status, status))
