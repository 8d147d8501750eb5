"""The shared package as an app (for its translations), and the admin wired to a site whose login is limited."""

from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class CommonConfig(AppConfig):
    name = "common"
    verbose_name = "Common"


class LimitedAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin whose default site (admin.site) logs in through the shared login limiter.

    The site class is named by its path: it imports the auth forms, which need the app registry ready.
    """

    default = False  # `common` itself is the app this module's default config describes
    default_site = "common.admin_site.LimitedAdminSite"
