"""The form that registers a webhook endpoint on /profile/webhooks/ (the service validates it again)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from webhooks.models import EventType


class EndpointForm(forms.Form):
    url = forms.CharField(
        label=_("URL"),
        max_length=2000,
        help_text=_("Where your CRM receives events: an https address on the internet."),
    )
    events = forms.MultipleChoiceField(
        label=_("Events to send"),
        choices=EventType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked to receive every event."),
    )
