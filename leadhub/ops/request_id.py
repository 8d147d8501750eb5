"""A request id for every request (the caller's X-Request-ID, or a new one), in each log line written while
answering it and in the Celery tasks it queued, so one id finds everything a request caused."""

import logging
import re
import uuid
from contextvars import ContextVar

HEADER = "X-Request-ID"
TASK_HEADER = "leadhub_request_id"
NONE = "-"
# What a caller may choose as an id: short and plain, so nobody can write forged lines into the logs.
ACCEPTED = re.compile(r"[A-Za-z0-9._:-]{1,100}")

_current: ContextVar[str] = ContextVar("leadhub_request_id", default=NONE)


def current_request_id() -> str:
    return _current.get()


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        supplied = request.headers.get(HEADER, "")
        request_id = supplied if ACCEPTED.fullmatch(supplied) else uuid.uuid4().hex
        request.request_id = request_id
        token = _current.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response[HEADER] = request_id
        return response


class RequestIdFilter(logging.Filter):
    """Gives every log record the current request id (`-` outside requests and tasks)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _current.get()
        return True


# Celery signal receivers (connected in leadhub.celery): the id travels in the task message's headers.


def on_before_task_publish(headers=None, **kwargs) -> None:
    request_id = _current.get()
    if headers is not None and request_id != NONE:
        headers.setdefault(TASK_HEADER, request_id)


def on_task_prerun(task=None, **kwargs) -> None:
    # A worker has the message's headers as attributes of the request; an eager run keeps them in `headers`.
    request = task.request if task is not None else None
    request_id = getattr(request, TASK_HEADER, None) or (getattr(request, "headers", None) or {}).get(TASK_HEADER)
    _current.set(request_id if isinstance(request_id, str) and ACCEPTED.fullmatch(request_id) else NONE)


def on_task_postrun(**kwargs) -> None:
    _current.set(NONE)
