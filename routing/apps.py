from django.apps import AppConfig


class RoutingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "routing"
    verbose_name = "Routing"

    def ready(self):
        # The in-process snapshot of partners' routing data is dropped when a profile, location or organisation
        # changes: a cache invalidation, not a business rule, so a signal is the right tool here.
        from django.db.models.signals import post_delete, post_save

        from profiles.models import BusinessProfile, Location, Organisation
        from routing.snapshot import partners_changed_signal

        for model in (BusinessProfile, Location, Organisation):
            post_save.connect(partners_changed_signal, sender=model, dispatch_uid=f"routing-{model.__name__}-save")
            post_delete.connect(partners_changed_signal, sender=model, dispatch_uid=f"routing-{model.__name__}-delete")
