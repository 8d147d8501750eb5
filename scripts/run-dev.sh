#!/usr/bin/env bash
# Run LeadHub on this machine with nothing else running: SQLite, kombu's file-system broker,
# demo data, the web server, and one Celery worker with beat embedded. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${VENV:-.venv}/bin"
export DJANGO_SETTINGS_MODULE=leadhub.settings.local
PORT="${PORT:-8000}"

mkdir -p var/broker/out var/broker/processed
"$BIN/python" manage.py migrate --no-input -v 0
"$BIN/python" manage.py seed_demo
"$BIN/python" manage.py insights_rebuild  # seed_demo writes leads directly: no event reached the rollups

"$BIN/celery" -A leadhub worker --beat --schedule var/celerybeat-schedule --concurrency 1 --loglevel INFO \
  >var/celery.log 2>&1 &
CELERY_PID=$!
trap 'kill $CELERY_PID 2>/dev/null || true' EXIT INT TERM

echo
echo "LeadHub is starting at http://127.0.0.1:$PORT/ (Celery worker + beat log, with the e-mails sent: var/celery.log)"
echo "Log in as contoso-admin, contoso-referrals, fabrikam-admin, fabrikam-referrals or ops;"
echo "password: ${LEADHUB_DEMO_PASSWORD:-leadhub-demo}"
echo
"$BIN/python" manage.py runserver "127.0.0.1:$PORT"
