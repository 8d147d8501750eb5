"""Session hygiene: a session left idle too long ends, without writing the session on every request."""

import time

from django.conf import settings
from django.contrib.auth import logout

LAST_SEEN = "leadhub_last_seen"
# Refresh the timestamp at most this often, so busy users do not cost a session write per request.
TOUCH_EVERY_SECONDS = 60


class IdleTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(LAST_SEEN, now)
            if now - last_seen > settings.LEADHUB_SESSION_IDLE_MINUTES * 60:
                logout(request)
            elif now - last_seen >= TOUCH_EVERY_SECONDS or LAST_SEEN not in request.session:
                request.session[LAST_SEEN] = now
        return self.get_response(request)
