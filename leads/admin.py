"""Django admin for vendor ops staff: every write goes through the lead services, history is read-only (the
records beside the leads — events, customers, e-mails — are in leads.admin_records)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.text import smart_split, unescape_string_literal
from django.utils.translation import gettext_lazy as _
from django_fsm.admin import FSMAdminMixin

from leads import (
    admin_records,  # noqa: F401 (registers the events', customers' and e-mails' admins)
    services,
)
from leads.admin_timeline import timeline_html
from leads.exceptions import LeadChanged, LeadConflict
from leads.forms import QualifiedLeadForm
from leads.models import Lead, TeamMember
from leads.selectors import lead_history, lead_search_matches
from leads.selectors.routing import lead_request
from leads.services.routing import REROUTABLE
from leads.transitions import TRANSITIONS
from routing.selectors import partners_match


class ConfirmForm(forms.Form):
    """Nothing to fill in: the transition page asks its question, and its button is the answer."""


class TeamMemberInline(admin.TabularInline):
    model = TeamMember
    extra = 0
    can_delete = False
    fields = ("name", "email", "phone", "added_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Lead)
class LeadAdmin(FSMAdminMixin, admin.ModelAdmin):
    fsm_fields = ["status"]
    # Every transition of leads.transitions gets a button, and a page of its own where it takes input or cannot be
    # undone: the page asks the transition's confirmation once (a form without fields for "Mark won").
    fsm_forms = {
        name: transition.form or ConfirmForm
        for name, transition in TRANSITIONS.items()
        if transition.form is not None or transition.confirm is not None
    }
    # Five columns fit a 1400 px screen; the type, hot flag and deal name are on the lead's page.
    list_display = ("customer_company", "partner", "status", "received_at", "deal")
    list_filter = ("status", "lead_type", "partner", "is_hot", "received_at")
    # The search box looks in what the partners' lists search (LeadSearch, see get_search_results).
    search_fields = ("customer__company",)
    search_help_text = _("Customer company, contact, e-mail, need, deal name or CRM id; every word must match.")
    list_select_related = ("customer", "partner")
    # No date_hierarchy: its year links cost a scan of every lead; the received_at filter offers the same ranges.
    show_full_result_count = False
    inlines = [TeamMemberInline]
    fsm_transition_form_template = "admin/leads/lead/transition_form.html"
    object_history_template = "admin/leads/lead/object_history.html"
    deal_fields = list(services.DEAL_FIELDS)
    readonly_on_change = (
        "id",
        "partner",
        "lead_type",
        "customer",
        "need",
        "referred_by",
        "referring_partner",
        "referred_by_email",
        "received_at",
        "respond_by",
        "contact_requested",
        "is_hot",
        "decided_at",
        "reason",
        "reason_notes",
        "version",
        "created_at",
        "updated_at",
        "timeline",
    )
    raw_id_fields = ("customer",)

    change_form_template = "admin/leads/lead/change_form.html"

    @admin.display(description=_("Customer"), ordering="customer__company")
    def customer_company(self, lead):
        return lead.customer.company

    @admin.display(description=_("Deal"), ordering="deal_value")
    def deal(self, lead):
        if lead.deal_value is None:
            return "—"
        return format_html(
            '<span class="money">{} {}</span>', number_format(lead.deal_value, 2, force_grouping=True), lead.currency
        )

    @admin.display(description=_("History"))
    def timeline(self, lead):
        return timeline_html(lead_history(lead))

    @staticmethod
    def get_fsm_block_label(fsm_field_name: str) -> str:
        return str(_("Actions"))

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "currency" and field is not None:
            field.label = _("Currency")  # the model field has no verbose name (a migration of the leads app)
        return field

    def get_help_text(self, transition) -> str:
        """What the transition page says above its form: what the action does, and that it cannot be undone."""
        registered = TRANSITIONS.get(transition.name)
        return str(registered.confirm) if registered and registered.confirm else ""

    def history_view(self, request, object_id, extra_context=None):
        """The admin's "History" shows what happened to the lead (its events), then the admin's own log."""
        lead = self.get_object(request, object_id)
        extra = {"lead_timeline": timeline_html(lead_history(lead))} if lead is not None else {}
        return super().history_view(request, object_id, extra_context={**(extra_context or {}), **extra})

    def get_search_results(self, request, queryset, search_term):
        """Each word (or "quoted phrase") through the trigram index, instead of a scan joining every customer."""
        for word in smart_split(search_term):
            if len(word) > 1 and word[0] in "\"'" and word[-1] == word[0]:
                word = unescape_string_literal(word)
            word = word.strip()
            if word:
                queryset = queryset.filter(pk__in=lead_search_matches(word))
        return queryset, False

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = QualifiedLeadForm
            kwargs["fields"] = None
        return super().get_form(request, obj, change=change, **kwargs)

    def get_inlines(self, request, obj=None):
        return self.inlines if obj is not None else []

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [
                (None, {"fields": ("partner", "lead_type", "need", "contact_requested", "referred_by_email")}),
                (_("Customer"), {"fields": QualifiedLeadForm.CUSTOMER_FIELDS}),
            ]
        return [
            (
                None,
                {
                    "fields": (
                        "id",
                        "status",
                        "partner",
                        "lead_type",
                        "received_at",
                        "respond_by",
                        "contact_requested",
                        "is_hot",
                        "decided_at",
                        "version",
                    )
                },
            ),
            (
                _("Customer and need"),
                {"fields": ("customer", "need", "referred_by", "referring_partner", "referred_by_email")},
            ),
            (_("Deal"), {"fields": self.deal_fields}),
            (_("Outcome"), {"fields": ("reason", "reason_notes")}),
            (_("History"), {"fields": ("timeline",)}),
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        readonly = [*super().get_readonly_fields(request, obj), *self.readonly_on_change]
        if obj.status != "accepted":
            readonly += self.deal_fields
        return readonly

    def has_change_permission(self, request, obj=None):
        """Archived leads open read-only: no path in the admin changes them."""
        if obj is not None and obj.is_archived:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        """Creation and deal edits go through the services; their rules are the same as everywhere else."""
        if not change:
            created = services.lead_create(by=request.user, **form.service_kwargs())
            obj.pk = created.pk
            return
        changed = {field: form.cleaned_data[field] for field in form.changed_data if field in self.deal_fields}
        if changed:
            services.lead_update_deal(lead=obj.pk, by=request.user, **changed)

    def save_related(self, request, form, formsets, change):
        if change:
            super().save_related(request, form, formsets, change)

    def add_view(self, request, form_url="", extra_context=None):
        """ "Suggest partners" sends the add form's fields back as GET: the form comes back filled in, above it the
        partners routing would choose for such a lead, with their scores and reasons; nothing is saved."""
        if request.method == "GET" and request.GET.get("need"):
            data = request.GET
            customer = {field: data.get(field, "") for field in ("company_size", "country", "city")}
            suggestion = lead_request(lead_type=data.get("lead_type", ""), customer=customer, need=data["need"])
            extra_context = {**(extra_context or {}), "suggestions": partners_match(suggestion, limit=5)}
        return super().add_view(request, form_url, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        lead = self.get_object(request, object_id)
        can_reroute = lead is not None and lead.status in REROUTABLE and not lead.rerouted_to.exists()
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), "can_reroute": can_reroute})

    def get_urls(self):
        return [
            path("<path:object_id>/reroute/", self.admin_site.admin_view(self.reroute_view), name="leads_lead_reroute"),
            *super().get_urls(),
        ]

    def reroute_view(self, request, object_id):
        """POST: send a declined or expired lead to the next partner, through the same service as the API."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        lead = self.get_object(request, object_id)
        if lead is None:
            raise Http404("No such lead.")
        try:
            new = services.lead_reroute(lead=lead.pk, by=request.user)
        except (ValidationError, LeadConflict, PermissionDenied) as exc:
            self.message_user(request, _message(exc), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:leads_lead_change", args=[lead.pk]))
        self.message_user(request, _("Lead sent on to %(partner)s.") % {"partner": new.partner}, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:leads_lead_change", args=[new.pk]))

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (ValidationError, LeadConflict, LeadChanged) as exc:
            self.message_user(request, _message(exc), messages.ERROR)
            return HttpResponseRedirect(request.path)

    def response_add(self, request, obj, post_url_continue=None):
        self.message_user(request, _("Lead sent to %(partner)s.") % {"partner": obj.partner}, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:leads_lead_change", args=[obj.pk]))

    def is_fsm_transition_visible(self, transition) -> bool:
        return transition.name in TRANSITIONS

    def _apply_fsm_transition(self, *, obj, transition_name, request, kwargs=None):
        """Run the admin's transition buttons through the lead services instead of bare model methods."""
        transition = TRANSITIONS.get(transition_name)
        if transition is None:
            self.message_user(request, f"'{transition_name}' is not available here.", messages.ERROR)
            return False
        try:
            transition.service(lead=obj.pk, by=request.user, **(kwargs or {}))
        except (ValidationError, LeadConflict, LeadChanged, PermissionDenied) as exc:
            self.message_user(request, _message(exc), messages.ERROR)
            return False
        self.message_user(request, str(transition.done), messages.SUCCESS)
        return True


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return (
            "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items())
            if hasattr(exc, "error_dict")
            else " ".join(exc.messages)
        )
    return getattr(exc, "message", None) or str(exc) or "Not allowed."
