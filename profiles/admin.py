"""Django admin for vendor ops staff: organisations, memberships, business profiles and their locations."""

from django.contrib import admin

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
        for token in queryset:
            api_token_revoke(token_id=token.pk, by=request.user)
        self.message_user(request, f"Revoked {queryset.count()} token(s).")
