"""Followers: a committed batch reaches every follower on a worker through one task, and one failing follower
does not keep the others from their share."""

import uuid

import pytest

from leads import events
from leads.events import Happened, follow, follow_up


def happened(action: str) -> Happened:
    return Happened(action, uuid.uuid4(), 1, 1, "received", "expired")


@pytest.fixture
def followers(monkeypatch):
    """The registered followers, restored afterwards."""
    monkeypatch.setattr(events, "_followers", dict(events._followers))
    return events._followers


def test_each_follower_gets_only_the_actions_it_follows(followers):
    seen = {"expiries": [], "notes": []}

    def expiries(batch):
        seen["expiries"].extend(batch)

    def notes(batch):
        seen["notes"].extend(batch)

    followers.clear()
    follow(expiries, actions=["expire"])
    follow(notes, actions=["note"])
    batch = [happened("expire"), happened("note"), happened("expire")]
    assert follow_up(happenings=[[h.action, str(h.lead_id), *h[2:]] for h in batch]) == 3
    assert seen == {"expiries": [batch[0], batch[2]], "notes": [batch[1]]}


def test_a_failing_follower_is_logged_the_others_still_run_and_the_task_fails(followers, caplog):
    ran = []

    def broken(batch):
        raise RuntimeError("rollups table locked")

    def later(batch):
        ran.append(len(batch))

    followers.clear()
    follow(broken, actions=["expire"])
    follow(later, actions=["expire"])
    with pytest.raises(RuntimeError, match="rollups table locked"):
        follow_up(happenings=[["expire", str(uuid.uuid4()), 1, 1, "received", "expired"]])
    assert ran == [1]
    assert "broken failed on 1 lead events" in caplog.text


@pytest.mark.django_db
def test_a_batch_nobody_follows_queues_nothing(followers, django_capture_on_commit_callbacks):
    followers.clear()
    follow(lambda batch: None, actions=["expire"])
    with django_capture_on_commit_callbacks() as callbacks:
        events.publish([happened("note")])
    assert follow_ups(callbacks) == []
    with django_capture_on_commit_callbacks() as callbacks:
        events.publish([happened("note"), happened("expire")])
    [queued] = follow_ups(callbacks)
    assert [row[0] for row in queued.keywords["kwargs"]["happenings"]] == ["expire"]


def follow_ups(callbacks) -> list:
    return [callback for callback in callbacks if getattr(callback, "func", None) == follow_up.apply_async]
