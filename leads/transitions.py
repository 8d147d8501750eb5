"""Every lifecycle transition declared once: the state machine (Lead) says from where to where and its label; this
registry adds the service that runs it, the form that takes its input and what the person is told afterwards.

The lead page's action forms, the admin's transition buttons and the API's action endpoints are all built from
TRANSITIONS; tests/leads/test_transitions.py fails when a transition of the state machine lacks any of them.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django_fsm import Transition as FSMTransition

from leads import services
from leads.forms import AcceptForm, DeclineForm, LoseForm
from leads.models import EventAction, Lead


@dataclass(frozen=True)
class Transition:
    name: str  # the state machine's method, the URL's last part (/leads/<id>/<name>/, /api/v1/leads/<id>/<name>)
    service: Callable  # service(lead=..., by=..., if_version=..., **form.cleaned_data)
    form: type[forms.Form] | None  # its input, on the lead page and in the admin; None: a button only
    done: Promise  # the confirmation shown after it succeeded
    action: EventAction  # the history event it records
    confirm: Promise | None = None  # asked once before an action that cannot be undone

    @property
    def fsm(self) -> FSMTransition:
        return next(t for t in Lead._meta.get_field("status").get_all_transitions(Lead) if t.name == self.name)

    @property
    def label(self) -> str:
        return self.fsm.custom["label"]

    @property
    def source(self) -> str:
        return self.fsm.source


TRANSITIONS = {
    transition.name: transition
    for transition in (
        Transition(
            "accept", services.lead_accept, AcceptForm, _("Lead accepted. Good luck with the deal!"), EventAction.ACCEPT
        ),
        Transition(
            "decline",
            services.lead_decline,
            DeclineForm,
            _("Lead declined. The customer will be told to choose another partner."),
            EventAction.DECLINE,
            _(
                "Decline this lead? The customer is told to choose another partner, and the lead is archived: "
                "this cannot be undone."
            ),
        ),
        Transition(
            "win",
            services.lead_win,
            None,
            _("Congratulations! The lead is marked won and archived."),
            EventAction.WIN,
            _("Mark this lead won? It is archived and cannot be changed afterwards."),
        ),
        Transition(
            "lose",
            services.lead_lose,
            LoseForm,
            _("The lead is marked lost and archived."),
            EventAction.LOSE,
            _("Mark this lead lost? It is archived and cannot be changed afterwards."),
        ),
    )
}


def state_machine_transitions() -> list[FSMTransition]:
    """Every transition the state machine declares, each once."""
    seen = {}
    for transition in Lead._meta.get_field("status").get_all_transitions(Lead):
        seen.setdefault(transition.name, transition)
    return list(seen.values())
