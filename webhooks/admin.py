"""Django admin for vendor ops staff: webhook endpoints and deliveries to look into, never edited by hand, and
secrets never shown. The one write is sending chosen deliveries again, through the service the partners' page uses."""

import json

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from common.readonly_admin import ReadOnlyModelAdmin
from webhooks import services
from webhooks.models import WEBHOOK_ID, Attempt, Delivery, Endpoint


@admin.register(Endpoint)
class EndpointAdmin(ReadOnlyModelAdmin):
    list_display = ("url", "organisation", "state", "event_list", "failing_since", "created_at")
    list_filter = ("is_active", "paused", "disabled_reason")
    search_fields = ("url", "organisation__name", "organisation__slug")
    list_select_related = ("organisation",)
    ordering = ("-id",)
    # Named one by one: the secrets (encrypted or not) appear on no admin page.
    fields = (
        "organisation",
        "url",
        "event_list",
        "state",
        "disabled_reason",
        "failing_since",
        "previous_secret_expires_at",
        "created_at",
        "deliveries_link",
    )
    readonly_fields = fields

    @admin.display(description=_("State"))
    def state(self, endpoint):
        if not endpoint.is_active:
            return _("Disabled")
        return _("Paused") if endpoint.paused else _("Active")

    @admin.display(description=_("Events"))
    def event_list(self, endpoint):
        return ", ".join(endpoint.events) if endpoint.events else _("All events")

    @admin.display(description=_("Deliveries"))
    def deliveries_link(self, endpoint):
        url = reverse("admin:webhooks_delivery_changelist") + f"?endpoint__id__exact={endpoint.pk}"
        return format_html('<a href="{}">{}</a>', url, _("The endpoint's deliveries"))


class AttemptInline(admin.TabularInline):
    model = Attempt
    extra = 0
    can_delete = False
    fields = ("at", "status_code", "duration_ms", "error", "response_body")
    readonly_fields = fields
    ordering = ("at", "id")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.action(permissions=["send_again"], description=_("Send again (same webhook-id)"))
def send_again(modeladmin, request, queryset):
    try:
        count = services.deliveries_send_again(by=request.user, delivery_ids=queryset.values_list("pk", flat=True))
    except PermissionDenied as denied:
        modeladmin.message_user(request, str(denied), messages.ERROR)
        return
    message = ngettext("%(count)d delivery is sent again.", "%(count)d deliveries are sent again.", count) % {
        "count": count
    }
    skipped = queryset.count() - count
    if skipped:
        message += " " + ngettext(
            "%(count)d of a paused or disabled endpoint was left alone.",
            "%(count)d of paused or disabled endpoints were left alone.",
            skipped,
        ) % {"count": skipped}
    modeladmin.message_user(request, message, messages.SUCCESS if count else messages.WARNING)


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyModelAdmin):
    list_display = ("created_at", "event_type", "endpoint", "organisation", "status", "attempts", "next_attempt_at")
    list_filter = ("status", "event_type")
    search_fields = ("=webhook_id", "endpoint__url", "endpoint__organisation__slug")
    search_help_text = _("A webhook-id (exactly), or part of an endpoint's URL or a partner's slug.")
    list_select_related = ("endpoint__organisation",)
    # The newest first along the primary key; millions of deliveries are never counted or sorted by time.
    ordering = ("-id",)
    show_full_result_count = False
    actions = [send_again]
    inlines = [AttemptInline]
    fields = (
        "webhook_id",
        "endpoint",
        "organisation",
        "event_type",
        "lead",
        "status",
        "attempts",
        "occurred_at",
        "next_attempt_at",
        "queued_at",
        "delivered_at",
        "created_at",
        "body",
    )
    readonly_fields = fields

    @admin.display(description=_("Partner"), ordering="endpoint__organisation__name")
    def organisation(self, delivery):
        return delivery.endpoint.organisation

    @admin.display(description=_("Body"))
    def body(self, delivery):
        return format_html("<pre>{}</pre>", json.dumps(delivery.body(), indent=2, ensure_ascii=False))

    def get_search_results(self, request, queryset, search_term):
        """A webhook-id (what a partner's CRM quotes back) is looked up along its unique index: the search fields'
        `iexact` compares upper-cased text, and their OR with the URL and slug read every delivery there is."""
        term = search_term.strip()
        if WEBHOOK_ID.fullmatch(term):
            return queryset.filter(webhook_id=term), False
        return super().get_search_results(request, queryset, search_term)

    def has_send_again_permission(self, request):
        return request.user.is_active and request.user.is_staff and self.has_view_permission(request)
