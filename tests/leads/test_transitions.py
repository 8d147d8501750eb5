"""Every transition of the state machine is declared once and reaches every interface: the lead page, the API,
the admin and the history. Adding a transition without one of them fails here."""

import pytest
from django.contrib import admin
from django.urls import reverse

from leadhub.api import api
from leads.admin import ConfirmForm
from leads.api.endpoints import TRANSITION_INPUTS
from leads.models import EventAction, Lead
from leads.transitions import TRANSITIONS, state_machine_transitions

NAMES = [transition.name for transition in state_machine_transitions()]


def test_the_registry_holds_exactly_the_state_machine_s_transitions():
    assert sorted(TRANSITIONS) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_each_transition_has_a_label_a_service_and_a_history_action(name):
    transition = TRANSITIONS[name]
    assert str(transition.label)
    assert callable(transition.service)
    assert transition.action in EventAction.values
    assert str(transition.done)


@pytest.mark.parametrize("name", NAMES)
def test_each_transition_has_its_web_action(name):
    url = reverse(f"leads:{name}", kwargs={"lead_id": "00000000-0000-0000-0000-000000000000"})
    assert url.endswith(f"/{name}/")


@pytest.mark.parametrize("name", NAMES)
def test_each_transition_has_its_api_endpoint(name):
    schema = api.get_openapi_schema()
    operation = schema["paths"][f"/api/v1/leads/{{lead_id}}/{name}"]["post"]
    takes_body = "requestBody" in operation
    assert takes_body == (name in TRANSITION_INPUTS)


@pytest.mark.parametrize("name", NAMES)
def test_each_transition_has_its_admin_button_and_form(name):
    lead_admin = admin.site._registry[Lead]
    transition = next(t for t in state_machine_transitions() if t.name == name)
    assert lead_admin.is_fsm_transition_visible(transition)
    # Its input form; or, for one that takes none but cannot be undone ("Mark won"), a page that only asks.
    expected = TRANSITIONS[name].form or (ConfirmForm if TRANSITIONS[name].confirm else None)
    assert lead_admin.get_fsm_transition_form(transition) is expected
