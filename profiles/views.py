"""The partner admin's business-profile editor and the list of the organisation's members."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from profiles import forms
from profiles.models import Location
from profiles.selectors import organisation_members, profile_get_for
from profiles.services import profile_remove_location, profile_update


def _apply_errors(exc: ValidationError, profile_form, location_forms) -> None:
    for key, errors in exc.message_dict.items():
        if key.startswith("locations."):
            _, position, field = key.split(".", 2)
            for error in errors:
                location_forms[int(position)].add_error(field, error)
        else:
            for error in errors:
                profile_form.add_error(key if key in profile_form.fields else None, error)


@login_required
def profile_edit(request):
    """GET shows the editor; POST saves it through `profile_update`. Partner admins only (403 for anyone else)."""
    membership = getattr(request.user, "membership", None)
    if membership is None or not membership.is_partner_admin:
        return render(request, "profiles/profile_forbidden.html", status=403)
    organisation = membership.organisation
    profile = profile_get_for(organisation)
    status = 200
    if request.method == "POST":
        profile_form = forms.ProfileForm(request.POST)
        location_forms = forms.location_forms_from(request.POST)
        filled = [form for form in location_forms if form.has_changed()]
        valid = all([profile_form.is_valid(), *[form.is_valid() for form in location_forms]])
        if valid:
            try:
                profile_update(
                    organisation=organisation,
                    by=request.user,
                    **profile_form.service_kwargs(),
                    locations=[form.cleaned_data for form in filled],
                )
            except ValidationError as exc:
                _apply_errors(exc, profile_form, filled)
            else:
                messages.success(request, _("Business profile saved."))
                return redirect("profiles:profile")
        status = 422
        location_forms = location_forms or [forms.location_form(None, 0)]
    else:
        profile_form = forms.ProfileForm.for_profile(profile)
        location_forms = forms.location_forms_for(profile)
    return render(
        request,
        "profiles/profile.html",
        {
            "organisation": organisation,
            "profile_form": profile_form,
            "location_forms": location_forms,
            "location_template": forms.location_form(None, "__i__"),
            "members": organisation_members(organisation),
        },
        status=status,
    )


@login_required
@require_POST
def location_remove(request, location_id: str):
    """One click removes one saved location (the rest of the editor is left as saved)."""
    membership = getattr(request.user, "membership", None)
    if membership is None or not membership.is_partner_admin:
        return render(request, "profiles/profile_forbidden.html", status=403)
    try:
        location = profile_remove_location(
            organisation=membership.organisation, by=request.user, location_id=location_id
        )
    except Location.DoesNotExist:
        raise Http404(_("No such location."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Location %(city)s removed.") % {"city": location.city})
    return redirect("profiles:profile")
