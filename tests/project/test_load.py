"""The load test's short form: people triaging at once through gunicorn, racing for the same leads; nothing breaks."""

import pytest
from django.db import connection

from loadtest.run import run_users, seed, server_env, start_gunicorn, summarise, verify

PORT = 8171


@pytest.mark.django_db(transaction=True)
def test_concurrent_triage_answers_no_5xx_and_decides_each_lead_once():
    usernames = seed(organisations=1, users_per_org=10, leads_per_org=150)
    settings_dict = connection.settings_dict
    database_url = (
        f"postgres://{settings_dict['USER'] or 'postgres'}@{settings_dict['HOST'] or '127.0.0.1'}:"
        f"{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}"
    )
    server = start_gunicorn(port=PORT, env=server_env(database_url), workers=2, threads=4)
    try:
        results, wall = run_users(f"http://127.0.0.1:{PORT}", usernames, seconds=8, max_requests_per_user=200)
    finally:
        server.terminate()
        server.wait(30)
    summary = summarise(results, wall) | verify()
    assert summary["server_errors"] == 0, summary
    assert summary["decided_twice"] == 0 and summary["inconsistent_history"] == 0, summary
    writes = summary["writes"]
    assert writes.get("accept", 0) + writes.get("decline", 0) > 0, summary
    assert summary["conflicts_409"] > 0, "colleagues racing for the same leads should have met a conflict"
    assert summary["statuses"].get("accepted", 0) + summary["statuses"].get("won", 0) > 0
