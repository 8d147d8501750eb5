"""docker-compose.yml keeps the promises of docs/operations.md: one beat, health checks, only the proxy exposed."""

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
CADDYFILE = (ROOT / "deploy" / "Caddyfile").read_text()


def _one_shot(name: str) -> bool:
    """A job that runs to completion before others start (they wait for `service_completed_successfully`)."""
    return any(
        isinstance(service.get("depends_on"), dict)
        and (service["depends_on"].get(name) or {}).get("condition") == "service_completed_successfully"
        for service in SERVICES.values()
    )


def test_compose_runs_exactly_one_beat():
    beats = [name for name, service in SERVICES.items() if " beat" in str(service.get("command", ""))]
    assert beats == ["beat"]
    assert SERVICES["beat"].get("deploy", {}).get("replicas", 1) == 1
    assert "scale" not in SERVICES["beat"]
    # The worker must not embed a second beat (`celery worker --beat` / `-B`).
    worker = str(SERVICES["worker"]["command"])
    assert "--beat" not in worker and not re.search(r"\s-B\b", worker)


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_compose_every_long_running_service_has_a_healthcheck(name):
    if _one_shot(name):
        assert SERVICES[name].get("restart") == "no", f"{name} is a one-shot job and must not be restarted"
        return
    healthcheck = SERVICES[name].get("healthcheck")
    assert healthcheck and healthcheck.get("test") and not healthcheck.get("disable"), name


def test_compose_has_the_services_the_docs_describe():
    assert {"db", "redis", "migrate", "web", "worker", "beat", "proxy"} <= set(SERVICES)
    for name in ("db", "redis", "web", "worker", "beat", "proxy"):
        assert not _one_shot(name)


def test_compose_proxy_routes_to_web_and_is_the_only_service_with_host_ports():
    proxy = SERVICES["proxy"]
    assert proxy["image"].startswith("caddy:2")
    assert any(str(volume).startswith("./deploy/Caddyfile:/etc/caddy/Caddyfile") for volume in proxy["volumes"])
    assert proxy["depends_on"]["web"]["condition"] == "service_healthy"
    published = [str(port).split(":")[-1] for port in proxy["ports"]]
    assert "80" in published and "443" in published
    # The Caddyfile sends every request to the web service's containers, found by DNS so that --scale works.
    assert re.search(r"dynamic a \{\$LEADHUB_WEB_HOST:web\} \{\$LEADHUB_WEB_PORT:8000\}", CADDYFILE)
    site = re.search(r"^\{\$LEADHUB_DOMAIN::80\} \{\n(.*?)^\}", CADDYFILE, re.DOTALL | re.MULTILINE)
    assert site and re.search(r"reverse_proxy \{\s*import web_pool\s*\}", site.group(1))
    # Its own health check asks the app's /healthz through the proxy.
    assert "/healthz" in " ".join(proxy["healthcheck"]["test"])
    assert "handle /healthz" in CADDYFILE


def test_compose_web_publishes_no_host_port_and_trusts_one_proxy():
    for name, service in SERVICES.items():
        if name != "proxy":
            assert "ports" not in service, f"{name} must not publish a host port; the proxy does"
    assert "gunicorn" in SERVICES["web"]["command"] and "0.0.0.0:8000" in SERVICES["web"]["command"]
    assert SERVICES["web"]["environment"]["LEADHUB_TRUSTED_PROXIES"] == "${LEADHUB_TRUSTED_PROXIES:-1}"


def test_compose_has_no_default_secret_key_and_refuses_to_start_without_one():
    for name in ("migrate", "web", "worker", "beat"):
        secret = SERVICES[name]["environment"]["SECRET_KEY"]
        assert re.fullmatch(r"\$\{SECRET_KEY:\?[^}]+\}", secret), f"{name}: {secret}"
    assert SERVICES["web"]["environment"]["LEADHUB_METRICS_TOKEN"] == "${LEADHUB_METRICS_TOKEN:-}"


def test_compose_web_and_workers_share_one_metrics_directory():
    """/metrics (a web container) adds up the files every process writes in PROMETHEUS_MULTIPROC_DIR: the Celery
    workers' task outcomes reach it only if web and workers mount the same volume at that path."""
    for name in ("web", "worker", "webhooks-worker"):
        directory = SERVICES[name]["environment"]["PROMETHEUS_MULTIPROC_DIR"]
        mounts = {volume.split(":")[1]: volume.split(":")[0] for volume in SERVICES[name].get("volumes", [])}
        assert mounts.get(directory) == "metrics", f"{name}: {SERVICES[name].get('volumes')}"
    assert "metrics" in COMPOSE["volumes"]


def test_compose_migrates_before_any_new_code_starts():
    assert "migrate" in SERVICES["migrate"]["command"]
    for name in ("web", "worker", "beat"):
        assert SERVICES[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert "migrate" not in str(SERVICES[name]["command"])
