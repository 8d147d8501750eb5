"""Errors to Sentry, from the web app and the Celery workers alike, when SENTRY_DSN is set; nothing otherwise."""


def sentry_init(dsn: str, *, environment: str, traces_sample_rate: float = 0.0) -> bool:
    """Start the Sentry client (called by the settings, so every process that loads Django has it)."""
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        traces_sample_rate=traces_sample_rate,
        # Customers' names and addresses stay out of error reports (docs/privacy.md).
        send_default_pii=False,
    )
    return True
