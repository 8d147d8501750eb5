"""Settings for a developer's machine: SQLite and the file-system broker unless the environment says otherwise."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
# Serve static files straight from static/ without collectstatic.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# A CRM on this machine (http://127.0.0.1:...) may receive webhooks.
LEADHUB_WEBHOOKS_ALLOW_PRIVATE = env.bool("LEADHUB_WEBHOOKS_ALLOW_PRIVATE", default=True)
