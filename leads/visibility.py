"""Who sees a customer's contact details (DESIGN §10): the one rule every output of a lead applies.

Once a lead is declined or expired its partner has no business contacting the customer, so partner users stop
seeing the contact name, e-mail and phone (company, size, location and need stay); won and lost leads keep
them, and vendor ops staff always see them. The page and its fragments, the API, the CSV export and search all
ask here; a webhook payload (sent to a partner) must too, with `user=None`.
"""

from django.db.models import Q

from leads.models import Status

CONTACT_HIDDEN_STATUSES = frozenset({Status.DECLINED, Status.EXPIRED})
CONTACT_FIELDS = ("contact_name", "email", "phone")


def contact_visible(lead, user) -> bool:
    """Whether `user` (None: a partner system, such as a webhook endpoint) may see the lead's customer contact.
    `lead` is a Lead or anything with its `status`, or the status itself."""
    status = lead if isinstance(lead, str) else lead.status
    return bool(getattr(user, "is_staff", False)) or status not in CONTACT_HIDDEN_STATUSES


def without_contact(values: dict) -> dict:
    """`values` with the contact fields (if present) null: what a partner gets once the contact is hidden."""
    return {key: None if key in CONTACT_FIELDS else value for key, value in values.items()}


def contact_search_rule(q: str, user) -> Q:
    """What a search for `q` must also meet for `user`: a partner finds a declined or expired lead only by what
    they may still see (company, need, deal name, CRM id), never by its customer's name, e-mail or phone."""
    if getattr(user, "is_staff", False):
        return Q()
    return (
        ~Q(status__in=sorted(CONTACT_HIDDEN_STATUSES))
        | Q(customer__company__icontains=q)
        | Q(need__icontains=q)
        | Q(deal_name__icontains=q)
        | Q(crm_id__icontains=q)
    )
