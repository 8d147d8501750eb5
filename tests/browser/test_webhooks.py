"""The webhooks page in real Chromium, with a real Celery worker and a real receiver on 127.0.0.1: a partner admin
adds an endpoint and copies its secret (shown once), sends a test event and sees it delivered in the log, rotates the
secret, pauses, sends a delivery again, and deletes the endpoint. A referrals admin gets a 403, another
organisation's endpoint a 404. A screenshot is left in test-artifacts/ for a person to look at."""

import pytest
from playwright.sync_api import Page, expect
from standardwebhooks.webhooks import Webhook

from tests.browser.test_triage import log_in
from tests.factories import MembershipFactory, UserFactory
from tests.webhooks.conftest import receiver, worker  # noqa: F401 (fixtures)
from webhooks.models import Delivery, Endpoint
from webhooks.services import endpoint_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.timeout(180)]


def delivery_row(page: Page, event_type: str):
    return page.locator("tr[data-delivery]", has_text=event_type)


def reload_until_delivered(page: Page, row_count: int) -> None:
    """The log is a plain page: reload it until the worker's newest attempt shows (the worker is a second process)."""
    for _ in range(60):
        rows = page.locator("tr[data-delivery]")
        if rows.count() >= row_count and "Delivered" in rows.first.inner_text():
            return
        page.wait_for_timeout(250)
        page.reload()
    raise AssertionError(f"the newest delivery was not delivered:\n{page.locator('main').inner_text()}")


def test_partner_admin_manages_a_webhook_end_to_end(
    page: Page,
    live_server,
    org,
    worker,  # noqa: F811
    receiver,  # noqa: F811
    artifacts,
):
    MembershipFactory(user=UserFactory(username="hooks-admin"), organisation=org, role="partner_admin")
    console = []
    page.on("console", lambda message: console.append(message.text))
    log_in(page, live_server, "hooks-admin")
    page.goto(f"{live_server.url}/profile/")
    page.get_by_role("link", name="Webhooks for your CRM").click()
    expect(page.get_by_role("heading", name="Webhooks", exact=True)).to_be_visible()
    expect(page.get_by_text("No endpoints yet.")).to_be_visible()

    page.get_by_label("URL").fill(receiver.url())
    page.get_by_label("A lead was won").check()
    page.get_by_role("button", name="Add endpoint").click()
    secret = page.get_by_label("Signing secret").input_value()
    assert secret.startswith("whsec_")
    expect(page.get_by_text("will not be shown again")).to_be_visible()
    page.reload()  # the form's answer was a redirect: a reload shows the page again and registers nothing
    expect(page.get_by_label("Signing secret")).to_have_count(0)
    assert secret not in page.content()
    listed = page.locator("tr[data-endpoint]")
    expect(listed).to_have_count(1)
    expect(listed).to_contain_text("lead.won")
    expect(listed).to_contain_text("active")

    listed.get_by_role("link", name=receiver.url()).click()
    boxes = [
        page.get_by_role("button", name="Send a test event").bounding_box(),
        page.get_by_role("link", name="Delete").bounding_box(),
    ]
    centres = [box["y"] + box["height"] / 2 for box in boxes]
    assert abs(centres[0] - centres[1]) < 4  # the actions sit in one row
    page.get_by_role("button", name="Send a test event").click()
    expect(page.get_by_role("status")).to_contain_text("A test event is on its way")
    [request] = receiver.wait_for(1, worker=worker)
    assert Webhook(secret).verify(request.body, request.headers)["type"] == "webhook.test"
    reload_until_delivered(page, 1)
    test_row = delivery_row(page, "webhook.test")
    expect(test_row).to_contain_text(request.headers["webhook-id"])
    expect(test_row).to_contain_text("200")

    page.get_by_role("button", name="Rotate the secret").click()
    new_secret = page.get_by_label("Signing secret").input_value()
    assert new_secret.startswith("whsec_") and new_secret != secret
    expect(page.get_by_text("keeps signing beside the new one for 24 hours")).to_be_visible()
    page.get_by_role("button", name="Send a test event").click()
    _first, rotated = receiver.wait_for(2, worker=worker)
    for valid in (new_secret, secret):  # both sign for the 24 hours of the overlap
        assert Webhook(valid).verify(rotated.body, rotated.headers)["type"] == "webhook.test"
    reload_until_delivered(page, 2)

    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_role("status")).to_contain_text("Paused: nothing is sent to this endpoint.")
    expect(page.locator(".facts .badge")).to_have_text("paused")
    page.get_by_role("button", name="Send a test event").click()
    expect(page.locator(".alert-error")).to_contain_text("Resume the endpoint first")
    assert Delivery.objects.count() == 2

    page.get_by_role("button", name="Resume").click()
    expect(page.locator(".facts .badge")).to_have_text("active")
    delivery_row(page, "webhook.test").last.get_by_role("button", name="Send again").click()
    expect(page.get_by_role("status")).to_contain_text("sent again, with the same webhook-id")
    *_earlier, again = receiver.wait_for(3, worker=worker)
    assert again.headers["webhook-id"] == request.headers["webhook-id"]
    page.screenshot(path=artifacts / "webhooks.png", full_page=True)

    page.get_by_role("link", name="Delete").click()
    expect(page.get_by_text("This cannot be undone.")).to_be_visible()
    page.get_by_role("button", name="Delete endpoint").click()
    expect(page.get_by_role("status")).to_contain_text("is deleted")
    expect(page.get_by_text("No endpoints yet.")).to_be_visible()
    assert not Endpoint.objects.exists()
    assert not [text for text in console if "Content Security Policy" in text or "Refused" in text]


def test_referrals_admin_gets_a_403_and_another_organisations_endpoint_a_404(page: Page, live_server, org, other_admin):
    MembershipFactory(user=UserFactory(username="hooks-referrals"), organisation=org, role="referrals_admin")
    MembershipFactory(user=UserFactory(username="hooks-partner"), organisation=org, role="partner_admin")
    theirs, _secret = endpoint_create(by=other_admin, url="http://127.0.0.1:9/theirs")

    log_in(page, live_server, "hooks-referrals")
    expect(page).not_to_have_url(f"{live_server.url}/accounts/login/")
    assert page.goto(f"{live_server.url}/profile/webhooks/").status == 403
    page.context.clear_cookies()

    log_in(page, live_server, "hooks-partner")
    expect(page).not_to_have_url(f"{live_server.url}/accounts/login/")
    assert page.goto(f"{live_server.url}/profile/webhooks/{theirs.pk}/").status == 404
    assert page.goto(f"{live_server.url}/profile/webhooks/").status == 200
    expect(page.get_by_text("http://127.0.0.1:9/theirs")).to_have_count(0)
