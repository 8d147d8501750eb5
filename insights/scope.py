"""What a user may count for a period: the leads, or the rollup rows of its days, through the tenant gate."""

from django.db.models import QuerySet

from insights.period import Period
from leads.models import Lead
from leads.selectors import lead_queryset_for
from leads.tenancy import ALL_PARTNERS, partner_scope
from profiles.models import Organisation


def period_leads(user, period: Period, partner: Organisation | None = None) -> QuerySet[Lead]:
    """The leads `user` may see that were received in `period` (of `partner` only, when given)."""
    leads = lead_queryset_for(user).filter(received_at__gte=period.start_at, received_at__lt=period.end_at)
    if partner is not None:
        leads = leads.filter(partner=partner)
    return leads.order_by()


def period_days(model, user, period: Period, partner: Organisation | None = None) -> QuerySet:
    """The rollup rows (`model`: PartnerDay or PartnerDayTotal) of the days of `period`, within the tenant gate:
    ops staff every partner's (or `partner`'s), a partner member its own organisation's, anybody else none."""
    rows = model.objects.filter(day__gte=period.start, day__lte=period.end).order_by()
    scope = partner_scope(user)
    if scope is None:
        return rows.none()
    if scope is not ALL_PARTNERS:
        rows = rows.filter(partner_id=scope)
    if partner is not None:
        rows = rows.filter(partner_id=partner.pk)
    return rows
