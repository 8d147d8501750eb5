"""Django admin for the records beside the leads: their history events and e-mails (read-only), and customers."""

from django.contrib import admin

from common.countries import CountryAdminMixin
from common.readonly_admin import ReadOnlyModelAdmin
from leads import services
from leads.models import Customer, EmailDelivery, LeadEvent


@admin.register(LeadEvent)
class LeadEventAdmin(ReadOnlyModelAdmin):
    list_display = ("lead", "at", "actor", "action", "from_status", "to_status")
    list_filter = ("action",)
    list_select_related = ("lead__customer", "lead__partner", "actor")
    # The newest recorded first, along the primary key: millions of events are never sorted by time.
    ordering = ("-id",)
    show_full_result_count = False
    readonly_fields = ("lead", "at", "actor", "action", "from_status", "to_status", "changes")


@admin.register(Customer)
class CustomerAdmin(CountryAdminMixin, admin.ModelAdmin):
    list_display = ("company", "contact_name", "email", "country", "company_size")
    search_fields = ("company", "contact_name", "email")

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and {"company", "contact_name", "email"}.intersection(form.changed_data):
            services.leads_search_refresh(obj.leads.values_list("pk", flat=True))  # their leads are found by these


@admin.register(EmailDelivery)
class EmailDeliveryAdmin(ReadOnlyModelAdmin):
    """What was e-mailed to whom about which lead: a record for support questions, never edited."""

    list_display = ("sent_at", "kind", "recipient", "language", "subject", "lead")
    list_filter = ("kind", "language")
    search_fields = ("recipient", "subject")
    list_select_related = ("lead__customer", "lead__partner")
    date_hierarchy = "sent_at"
