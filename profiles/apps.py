"""App config for profiles."""

from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class ProfilesConfig(AppConfig):
    name = "profiles"
    verbose_name = pgettext_lazy("admin section", "Partners")
