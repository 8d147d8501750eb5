"""Django admin for vendor ops staff: organisations, memberships, business profiles and their locations."""

from django.contrib import admin
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from common.countries import CountryAdminMixin
from common.readonly_admin import ReadOnlyModelAdmin
from profiles.api_tokens import api_token_revoke
from profiles.models import ApiToken, BusinessProfile, Location, Membership, Organisation


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "created_at")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "organisation", "role")
    list_filter = ("role", "organisation")
    search_fields = ("user__username", "user__email", "organisation__name")
    raw_id_fields = ("user",)


class LocationInline(CountryAdminMixin, admin.StackedInline):
    model = Location
    extra = 0


@admin.register(BusinessProfile)
class BusinessProfileAdmin(admin.ModelAdmin):
    list_display = ("organisation", "is_listed", "median_response_hours", "updated_at")
    search_fields = ("organisation__name", "description")
    readonly_fields = ("median_response_hours",)
    inlines = [LocationInline]


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyModelAdmin):
    """Tokens are issued by partner admins (or `issue_api_token`); ops staff see them and can revoke them."""

    list_display = ("name", "prefix", "user", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "prefix", "user__username")
    list_select_related = ("user",)
    actions = ["revoke"]

    @admin.action(description="Revoke selected tokens", permissions=["view"])
    def revoke(self, request, queryset):
        """After a confirmation page naming the tokens: a system using one stops working, which cannot be undone."""
        if request.POST.get("confirmed") != "yes":
            return TemplateResponse(
                request,
                "admin/profiles/apitoken/revoke_confirmation.html",
                {
                    **self.admin_site.each_context(request),
                    "title": _("Revoke these API tokens?"),
                    "tokens": queryset.select_related("user"),
                    "opts": self.model._meta,
                    "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                },
            )
        for token in queryset:
            api_token_revoke(token_id=token.pk, by=request.user)
        self.message_user(request, f"Revoked {queryset.count()} token(s).")
        return None
