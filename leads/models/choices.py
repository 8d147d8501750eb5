"""The lifecycle's vocabulary: lead types, tabs, statuses and stages, reasons, history actions, e-mail kinds.

Every list of these elsewhere (the API's enums, filters, URLs, labels) is derived from these choices.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class LeadType(models.TextChoices):
    CUSTOMER_INQUIRY = "customer_inquiry", _("Customer inquiry")
    MARKETING_QUALIFIED = "marketing_qualified", _("Marketing qualified")
    SALES_QUALIFIED = "sales_qualified", _("Sales qualified")


class Tab(models.TextChoices):
    """Where a lead is listed, derived from its type (Lead.tab)."""

    MARKETPLACE = "marketplace", _("Marketplace leads")
    QUALIFIED = "qualified", _("Qualified leads")


class ListTab(models.TextChoices):
    """The lists a partner user opens: each Tab, and the user's own favourites across both."""

    MARKETPLACE = Tab.MARKETPLACE.value, Tab.MARKETPLACE.label
    QUALIFIED = Tab.QUALIFIED.value, Tab.QUALIFIED.label
    FAVORITES = "favorites", _("Favorites")


class Status(models.TextChoices):
    RECEIVED = "received", _("Received")
    ACCEPTED = "accepted", _("Accepted")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Expired")


class Stage(models.TextChoices):
    RECEIVED = "received", _("Received")
    ACCEPTED = "accepted", _("Accepted")
    ARCHIVED = "archived", _("Archived")


ARCHIVED_STATUSES = frozenset({Status.WON, Status.LOST, Status.DECLINED, Status.EXPIRED})
STAGE_STATUSES = {
    Stage.RECEIVED: [Status.RECEIVED],
    Stage.ACCEPTED: [Status.ACCEPTED],
    Stage.ARCHIVED: sorted(ARCHIVED_STATUSES),
}


class DeclineReason(models.TextChoices):
    NOT_A_FIT = "not_a_fit", _("Not a fit for our business")
    INSUFFICIENT_INFORMATION = "insufficient_information", _("Insufficient information")
    CUSTOMER_UNREACHABLE = "customer_unreachable", _("Customer not reachable")
    NO_BUDGET = "no_budget", _("Customer has no budget")
    TIMELINE_TOO_SHORT = "timeline_too_short", _("Timeline too short")
    DUPLICATE_OR_SPAM = "duplicate_or_spam", _("Duplicate or spam")
    OTHER = "other", _("Other")


class LostReason(models.TextChoices):
    NO_RESPONSE = "no_response", _("Customer did not respond")
    CHOSE_ANOTHER_VENDOR = "chose_another_vendor", _("Customer chose another vendor")
    TIMELINE_TOO_SHORT = "timeline_too_short", _("Proposed timeline too short")
    NO_BUDGET = "no_budget", _("Customer did not have budget")
    OTHER = "other", _("Other")


class EventAction(models.TextChoices):
    CREATE = "create", _("Created")
    ACCEPT = "accept", _("Accepted")
    DECLINE = "decline", _("Declined")
    EXPIRE = "expire", _("Expired")
    EDIT = "edit", _("Deal edited")
    TEAM = "team", _("Team member added")
    TEAM_OUT = "team_out", _("Team member removed")
    WIN = "win", _("Marked won")
    LOSE = "lose", _("Marked lost")
    NOTE = "note", _("Customer wrote again")
    ERASE = "erase", _("Personal data erased")


class EmailKind(models.TextChoices):
    NEW_LEAD = "new_lead", _("New lead alert to the partner")
    FOLLOW_UP = "follow_up", _("Follow-up alert: the customer wrote again")
    DECLINE = "decline", _("Declined: the customer may choose another partner")
    EXPIRE = "expire", _("Expired: the referrer is told")
    NO_ANSWER = "no_answer", _("Inquiry unanswered: the customer may choose another partner")
