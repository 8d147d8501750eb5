"""The admin action on customers that answers an erasure request (what `manage.py erase_customer` does)."""

from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from leads.models import Customer
from privacy.requests import customer_erase


@admin.action(permissions=["change"], description=gettext_lazy("Erase personal data (erasure request)"))
def erase_personal_data(modeladmin, request, queryset):
    """After a confirmation page: erase everything held about each selected customer's e-mail address."""
    addresses = sorted({customer.email.lower() for customer in queryset if customer.email})
    if request.POST.get("confirmed") != "yes":
        return TemplateResponse(
            request,
            "privacy/erase_confirmation.html",
            {
                **modeladmin.admin_site.each_context(request),
                "title": _("Erase personal data?"),
                "addresses": addresses,
                "customers": queryset,
                "opts": modeladmin.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )
    changed = 0
    for address in addresses:
        changed += sum(customer_erase(email=address, by=request.user).values())
    modeladmin.message_user(
        request,
        ngettext(
            "Erased the personal data of %(people)d person (%(rows)d records changed).",
            "Erased the personal data of %(people)d people (%(rows)d records changed).",
            len(addresses),
        )
        % {"people": len(addresses), "rows": changed},
        messages.SUCCESS,
    )
    return None


_customer_admin = admin.site.get_model_admin(Customer)
_customer_admin.actions = [*(_customer_admin.actions or ()), erase_personal_data]
