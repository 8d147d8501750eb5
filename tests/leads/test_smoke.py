import pytest

from leads.services import lead_accept


@pytest.mark.django_db
def test_accept(lead, partner_admin):
    lead = lead_accept(lead=lead, by=partner_admin, deal_name="x", deal_value="10", estimated_close_date="2027-06-01")
    assert lead.status == "accepted"
