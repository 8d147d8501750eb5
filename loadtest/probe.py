"""LeadHub's Celery app as the scale-out test runs it (`celery -A loadtest.probe worker|beat`): the same app, plus a
note in Redis (list `loadtest:probe`) of every periodic job beat queues and every task a worker starts and ends,
so the test can tell whether each job ran once per interval and what a killed worker had in hand.

LOADTEST_VISIBILITY_TIMEOUT shortens how long Redis keeps a killed worker's unacknowledged tasks before another
worker gets them (production: twice the task time limit), so the test sees them delivered again within its run.
"""

import json
import os
import sys
import time

from celery import signals

from leadhub.celery import app

KEY = "loadtest:probe"
_client = {}

if os.environ.get("LOADTEST_VISIBILITY_TIMEOUT"):
    app.conf.broker_transport_options = {"visibility_timeout": int(os.environ["LOADTEST_VISIBILITY_TIMEOUT"])}


def _note(**fields) -> None:
    import redis

    pid = os.getpid()
    if pid not in _client:
        _client.clear()
        _client[pid] = redis.Redis.from_url(os.environ["CELERY_BROKER_URL"])
    _client[pid].rpush(KEY, json.dumps(fields | {"at": time.time(), "pid": pid}))


@signals.before_task_publish.connect
def _queued(sender=None, headers=None, **kwargs):
    if "beat" in sys.argv:
        _note(event="queued", task=sender, id=(headers or {}).get("id"))


@signals.task_prerun.connect
def _started(task_id=None, task=None, **kwargs):
    _note(event="started", task=task.name, id=task_id, worker=task.request.hostname)


@signals.task_postrun.connect
def _ended(task_id=None, task=None, state=None, **kwargs):
    _note(event="ended", task=task.name, id=task_id, worker=task.request.hostname, state=state)


@signals.task_revoked.connect
def _revoked(request=None, expired=False, **kwargs):
    _note(event="expired" if expired else "revoked", task=request.task, id=request.id, worker=request.hostname)


def notes(redis_url: str) -> list[dict]:
    import redis

    return [json.loads(raw) for raw in redis.Redis.from_url(redis_url).lrange(KEY, 0, -1)]


def forget(redis_url: str) -> None:
    import redis

    redis.Redis.from_url(redis_url).delete(KEY)
