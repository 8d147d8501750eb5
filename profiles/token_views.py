"""The API tokens page: a partner admin creates tokens for their organisation's members (shown once), revokes them."""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from profiles.api_tokens import (
    api_token_get_for_organisation,
    api_token_issue,
    api_token_revoke,
    api_tokens_for_organisation,
)
from profiles.models import ApiToken


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        help_text=gettext_lazy("What the token is for, e.g. the CRM that uses it."),
    )
    user = forms.ModelChoiceField(
        label=gettext_lazy("Acts as"),
        queryset=get_user_model().objects.none(),
        help_text=gettext_lazy("The API sees and does what this member may."),
    )

    def __init__(self, *args, organisation_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = (
            get_user_model()
            .objects.filter(membership__organisation_id=organisation_id, is_active=True)
            .order_by("username")
        )


def _organisation_id(request) -> int:
    membership = getattr(request.user, "membership", None)
    if membership is None or not membership.is_partner_admin:
        raise PermissionDenied(_("Only a partner admin manages API tokens."))
    return membership.organisation_id


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def token_list(request):
    organisation_id = _organisation_id(request)
    form = TokenForm(request.POST or None, organisation_id=organisation_id, initial={"user": request.user.pk})
    new_token = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                _token, new_token = api_token_issue(user=form.cleaned_data["user"], name=form.cleaned_data["name"])
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
                status = 400
            else:
                form = TokenForm(organisation_id=organisation_id, initial={"user": request.user.pk})
        else:
            status = 400
    return render(
        request,
        "profiles/tokens.html",
        {
            "form": form,
            "tokens": api_tokens_for_organisation(organisation_id),
            # Shown on this response only: the database keeps just its hash.
            "new_token": new_token,
        },
        status=status,
    )


@login_required
@require_POST
def token_revoke(request, token_id: int):
    organisation_id = _organisation_id(request)
    if request.POST.get("confirmed") != "1":  # without JavaScript (static/js/confirm.js) the page asks once
        token = api_token_get_for_organisation(token_id=token_id, organisation_id=organisation_id)
        if token is None:
            raise Http404(_("No such token."))
        return render(request, "profiles/token_revoke_confirm.html", {"token": token})
    try:
        token = api_token_revoke(token_id=token_id, by=request.user)
    except ApiToken.DoesNotExist:
        raise Http404(_("No such token."))
    messages.success(
        request, _("Token “%(name)s” is revoked; requests using it are refused from now on.") % {"name": token.name}
    )
    return redirect("tokens:list")
