"""The WSGI entry point gunicorn loads: the app, with what it loaded kept out of the garbage collector's full passes."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = (
    "import gc; import leadhub.wsgi as w; from django.core.handlers.wsgi import WSGIHandler; "
    "print(isinstance(w.application, WSGIHandler), gc.get_freeze_count())"
)


def test_the_wsgi_module_freezes_what_the_loaded_app_holds():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "leadhub.settings.test"}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    is_app, frozen = result.stdout.split()
    assert is_app == "True" and int(frozen) > 50_000
