"""The zero-setup development broker (files under var/broker) keeps everything it writes there."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PUBLISH = (
    "import django; django.setup(); from leads.tasks import leads_expired_notify; "
    "leads_expired_notify.delay(lead_ids=[])"
)


def test_sending_a_task_writes_only_under_the_broker_directory(tmp_path):
    broker, elsewhere = tmp_path / "broker", tmp_path / "cwd"
    (broker / "out").mkdir(parents=True)  # as scripts/run-dev.sh makes it
    elsewhere.mkdir()
    env = {key: value for key, value in os.environ.items() if key not in ("CELERY_BROKER_URL", "DATABASE_URL")}
    env.update(DJANGO_SETTINGS_MODULE="leadhub.settings.local", CELERY_FILESYSTEM_DIR=str(broker), PYTHONPATH=str(ROOT))
    subprocess.run([sys.executable, "-c", PUBLISH], cwd=elsewhere, env=env, check=True, timeout=60)
    assert list(elsewhere.iterdir()) == []  # nothing in the directory it ran from (was ./control)
    assert len(list((broker / "out").iterdir())) == 1  # the task itself
    assert (broker / "control" / "celery.exchange").exists()
