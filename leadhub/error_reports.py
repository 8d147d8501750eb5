"""What an error page or error report may show: never the process environment, a credential or a password.

`make run` serves with DEBUG=True, whose error page any visitor who can make a request fail sees (a 3 MB form
body is enough). Under runserver request.META carries a copy of the whole process environment (DATABASE_URL with
its password, cloud keys, whatever the developer's shell exports), and Django's own filter stands down when DEBUG
is on; this one keeps working, so a developer still gets the traceback and the request, without the secrets.
"""

import re

from django.views.debug import SafeExceptionReporterFilter

# The keys a request itself sets (CGI/WSGI and the headers it sent); anything else in META came from os.environ.
REQUEST_META_KEYS = {
    "CONTENT_LENGTH",
    "CONTENT_TYPE",
    "PATH_INFO",
    "QUERY_STRING",
    "REMOTE_ADDR",
    "REMOTE_HOST",
    "REQUEST_METHOD",
    "SCRIPT_NAME",
    "SERVER_NAME",
    "SERVER_PORT",
    "SERVER_PROTOCOL",
    "SERVER_SOFTWARE",
}


class NoSecretsReporterFilter(SafeExceptionReporterFilter):
    # Django's words, plus the settings that hold a URL or address which may carry a password
    # (DATABASE_URL-style settings, CELERY_BROKER_URL, a cache's LOCATION, an error tracker's DSN).
    hidden_settings = re.compile(
        "API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|URL|LOCATION|DSN|BROKER|DATABASE", flags=re.IGNORECASE
    )

    def is_active(self, request):
        # Django turns the filter off with DEBUG on ("your site is not safe anyway"); a developer's server is
        # reachable by anything that can make a request of it, so sensitive_post_parameters (the login's
        # password) and sensitive_variables hold in DEBUG too.
        return True

    def get_safe_request_meta(self, request):
        meta = getattr(request, "META", None) or {}
        return {
            key: self.cleanse_setting(key, value)
            for key, value in meta.items()
            if key.startswith("HTTP_") or key in REQUEST_META_KEYS
        }
