"""What each role may do: the role matrix, enforced in the core.

Every use case that reads or changes client data calls ``audit.require(actor, Permission.X)``
(which checks here and records a refusal in the audit trail) before it touches anything, so a screen that forgets to hide a button still cannot show or change
what the role does not allow. The screens ask ``allows`` to decide what to show.
"""

from __future__ import annotations

from enum import StrEnum

from broadtalk.errors import RefusedError
from broadtalk.i18n import N_, _
from broadtalk.practitioners import Actor, Role, role_in_sentence


class Permission(StrEnum):
    VIEW_CLIENTS = "view_clients"  # names, dates of birth, contact details
    EDIT_CLIENTS = "edit_clients"
    VIEW_CONVERSATIONS = "view_conversations"  # scores, own words, notes, goals, actions
    HOLD_CONVERSATIONS = "hold_conversations"  # start, fill in, complete, amend
    MANAGE_REFERRALS = "manage_referrals"  # refer, record consent, log events and feedback
    VIEW_REFERRAL_STATUS = "view_referral_status"  # where a referral stands, without content
    EXPORT_HANDOVERS = "export_handovers"  # consent-scoped handover documents
    EDIT_SOCIAL_MAP = "edit_social_map"
    MANAGE_PRACTITIONERS = "manage_practitioners"
    MANAGE_SETTINGS = "manage_settings"  # practice-wide settings and retention periods
    MANAGE_MODELS = "manage_models"  # import conversation models
    VIEW_AUDIT = "view_audit"
    ERASE_CLIENTS = "erase_clients"
    REVIEW_RETENTION = "review_retention"
    BACKUP = "backup"
    RESTORE = "restore"


_CARE = {
    Permission.VIEW_CLIENTS,
    Permission.EDIT_CLIENTS,
    Permission.VIEW_CONVERSATIONS,
    Permission.HOLD_CONVERSATIONS,
    Permission.MANAGE_REFERRALS,
    Permission.VIEW_REFERRAL_STATUS,
    Permission.EXPORT_HANDOVERS,
    Permission.EDIT_SOCIAL_MAP,
    Permission.BACKUP,
}

#: The role matrix. Practice managers and administrators run the practice and the system: they
#: see who is a client and how referrals fare, never what was said in a conversation.
MATRIX: dict[Role, frozenset[Permission]] = {
    Role.PRACTICE_NURSE: frozenset(_CARE),
    Role.SOCIAL_WORKER: frozenset(_CARE),
    Role.PRACTICE_MANAGER: frozenset(
        {
            Permission.VIEW_CLIENTS,
            Permission.VIEW_REFERRAL_STATUS,
            Permission.EXPORT_HANDOVERS,
            Permission.EDIT_SOCIAL_MAP,
            Permission.MANAGE_PRACTITIONERS,
            Permission.MANAGE_SETTINGS,
            Permission.VIEW_AUDIT,
            Permission.ERASE_CLIENTS,
            Permission.REVIEW_RETENTION,
            Permission.BACKUP,
        }
    ),
    Role.ADMINISTRATOR: frozenset(
        {
            Permission.VIEW_CLIENTS,
            Permission.VIEW_REFERRAL_STATUS,
            Permission.EXPORT_HANDOVERS,
            Permission.EDIT_SOCIAL_MAP,
            Permission.MANAGE_PRACTITIONERS,
            Permission.MANAGE_SETTINGS,
            Permission.MANAGE_MODELS,
            Permission.VIEW_AUDIT,
            Permission.ERASE_CLIENTS,
            Permission.REVIEW_RETENTION,
            Permission.BACKUP,
            Permission.RESTORE,
        }
    ),
}

#: What each permission lets one do, as the end of "As ... you may not ...".
DESCRIPTIONS: dict[Permission, str] = {
    Permission.VIEW_CLIENTS: N_("see clients"),
    Permission.EDIT_CLIENTS: N_("add or change clients"),
    Permission.VIEW_CONVERSATIONS: N_("read conversations (scores, own words, notes, goals)"),
    Permission.HOLD_CONVERSATIONS: N_("hold or change conversations"),
    Permission.MANAGE_REFERRALS: N_("refer clients or record consent"),
    Permission.VIEW_REFERRAL_STATUS: N_("see referrals"),
    Permission.EXPORT_HANDOVERS: N_("make handover documents"),
    Permission.EDIT_SOCIAL_MAP: N_("change the social map"),
    Permission.MANAGE_PRACTITIONERS: N_("manage practitioner accounts"),
    Permission.MANAGE_SETTINGS: N_("change practice settings"),
    Permission.MANAGE_MODELS: N_("import conversation models"),
    Permission.VIEW_AUDIT: N_("see the audit trail"),
    Permission.ERASE_CLIENTS: N_("erase clients"),
    Permission.REVIEW_RETENTION: N_("review retention periods"),
    Permission.BACKUP: N_("make backups"),
    Permission.RESTORE: N_("restore backups"),
}


def permissions_of(actor: Actor) -> frozenset[Permission]:
    """What an actor may do: her role's permissions, and the administrator's on top when she also
    runs the practice (``Actor.administers``, the first account of a practice). A care provider
    who administers reads conversations because of her care role; the administrator's own
    permissions never include reading them."""
    own = MATRIX[Role(actor.role)]
    return own | MATRIX[Role.ADMINISTRATOR] if actor.administers else own


def allows(actor: Actor, permission: Permission) -> bool:
    return permission in permissions_of(actor)


class PermissionRefused(RefusedError):
    """The actor's role does not allow what was asked."""


def refusal(actor: Actor, permission: Permission) -> PermissionRefused:
    """The refusal for an actor whose role lacks the permission: what, and whom to ask.

    ``audit.require`` raises it and records it in the audit trail; this module knows nothing of
    the trail (the trail builds on the matrix, not the other way round)."""
    return PermissionRefused(
        _("As {role} you may not {action}; ask a colleague whose role allows it.").format(
            role=role_in_sentence(actor.role), action=_(DESCRIPTIONS[permission])
        )
    )
