"""Django admin for vendor ops staff: organisations, memberships, business profiles and their locations."""
from django.contrib import admin

from profiles.models import BusinessProfile, Location, Membership, Organisation


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


class LocationInline(admin.StackedInline):
    model = Location
    extra = 0


@admin.register(BusinessProfile)
class BusinessProfileAdmin(admin.ModelAdmin):
    list_display = ("organisation", "is_listed", "median_response_hours", "updated_at")
    search_fields = ("organisation__name", "description")
    readonly_fields = ("median_response_hours",)
    inlines = [LocationInline]
