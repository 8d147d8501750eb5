"""A partner's median time to answer a lead, in words: customers read "within a day", not "within 168 h"."""

from django.utils.translation import gettext as _


def responsiveness_text(hours: float | None) -> str:
    """`BusinessProfile.median_response_hours` as a sentence in the active language; None means no answer yet."""
    if hours is None:
        return _("No answers yet.")
    if hours <= 6:
        return _("Usually answers within a few hours.")
    if hours <= 24:
        return _("Usually answers within a day.")
    if hours <= 72:
        return _("Usually answers within 3 days.")
    if hours <= 168:
        return _("Usually answers within a week.")
    return _("Rarely answers quickly.")
