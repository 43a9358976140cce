"""Two gateway processes on one PostgreSQL database behind nginx on loopback, with no container
engine (issue 14, item 6): the topology of deploy/compose.yaml, with its nginx site
(deploy/nginx/default.conf and gatewyse-proxy.conf, as they ship, only the addresses changed).
The official OpenAI SDK, pointed at nginx, sees one system:

- an admin change (provider, route) made through one replica serves requests on the other;
- a key revoked through one replica is refused by both, directly and through nginx;
- both replicas write one audit chain, and it verifies;
- `kill -9` of one replica under load loses no request: nginx retries what the dead replica had
  not answered on the other one.

Budgets and rate limits across replicas are tested with their features. Needs
GATEWYSE_TEST_POSTGRES_URL (`make test` exports it) and nginx (`make test-deps`).
"""

from __future__ import annotations

import base64
import concurrent.futures
import os
import re
import secrets
import shutil
import signal
import subprocess
import threading
import time

import openai
import pytest
import requests

from conftest import MOCK_KEY, REPO, _binary, _start, _stop, _tail, free_port
# The replica suite's database (a fresh one per module on the private cluster) and its admin
# helpers; importing it also applies its skip when no PostgreSQL is configured.
from test_replicas import EMAIL, PASSWORD, _admin, _eventually, _session, database  # noqa: F401

LOAD_REQUESTS = 300
LOAD_CONCURRENCY = 16
KILL_AFTER = 90           # completed requests before one replica is killed
UPSTREAM_MODEL = "slow-short"   # the mock answers it after 500 ms, so requests are in flight


def _nginx() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)
    if not found:
        pytest.fail("nginx not found (make test-deps installs it)")
    return found


@pytest.fixture(scope="module")
def cluster(database, gateway, tmp_path_factory):
    """Replicas A and B (one master key, one database; a static provider so /readyz is ready)."""
    binary = _binary("GATEWYSE_BIN", ".build/debug/gatewyse")
    work = tmp_path_factory.mktemp("multinode")
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY") and not k.endswith("_BASE_URL")}
    env.update({"LOG_LEVEL": "warning", "GATEWYSE_MASTER_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
                "SUPER_ADMIN_EMAIL": EMAIL, "SUPER_ADMIN_PASSWORD": PASSWORD, "MOCK_KEY": MOCK_KEY})
    config = work / "gatewyse.yaml"
    config.write_text(f"""\
server:
  host: 127.0.0.1
database: {database}
providers:
  - id: mock
    type: openai
    api_key: ${{MOCK_KEY}}
    base_url: {gateway.mock_url}/v1
    allow_private_network: true
""")
    started = []
    try:
        for name in ("replica-a", "replica-b"):
            process, port = _start(name, lambda port: [str(binary), "serve", "--config", str(config), "--port", str(port)],
                                   "/readyz", env, work)
            started.append((process, f"http://127.0.0.1:{port}"))
        yield started
    finally:
        for process, _ in started:
            _stop(process)


@pytest.fixture(scope="module")
def balancer(cluster, tmp_path_factory):
    """nginx on loopback in front of both replicas: deploy/nginx/default.conf as it ships, with
    the replicas' loopback addresses for the compose service names."""
    work = tmp_path_factory.mktemp("nginx")
    port = free_port()
    site = (REPO / "deploy" / "nginx" / "default.conf").read_text()
    for index, (_, url) in enumerate(cluster, start=1):
        site, count = re.subn(rf"\bgateway-{index}:8080\b", url.removeprefix("http://"), site)
        assert count == 1, f"deploy/nginx/default.conf has no upstream gateway-{index}:8080"
    site, count = re.subn(r"\blisten\s+8080;", f"listen 127.0.0.1:{port};", site)
    assert count == 1, "deploy/nginx/default.conf does not listen on 8080"
    site = site.replace("/etc/nginx/snippets/gatewyse-proxy.conf", str(REPO / "deploy" / "nginx" / "gatewyse-proxy.conf"))
    (work / "default.conf").write_text(site)
    # As root, workers stay root rather than nobody (who could not use the temp directories).
    user = "user root root;" if os.getuid() == 0 else ""
    (work / "nginx.conf").write_text(f"""\
{user}
worker_processes 1;
daemon off;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log info;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {work};
    proxy_temp_path {work};
    fastcgi_temp_path {work};
    uwsgi_temp_path {work};
    scgi_temp_path {work};
    include {work}/default.conf;
}}
""")
    nginx = _nginx()
    checked = subprocess.run([nginx, "-t", "-q", "-p", str(work), "-e", str(work / "nginx-error.log"), "-c", str(work / "nginx.conf")],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    process = subprocess.Popen([nginx, "-p", str(work), "-e", str(work / "nginx-error.log"), "-c", str(work / "nginx.conf")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        _eventually(lambda: _up(f"{url}/healthz"), "nginx in front of the replicas answering", seconds=10)
        yield url, work / "nginx-error.log"
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def _up(url: str) -> bool:
    try:
        return _session().get(url, timeout=1).status_code == 200
    except requests.RequestException:
        return False


@pytest.fixture(scope="module")
def tenant(cluster, balancer, gateway):
    """Tenant `multi`, built through both replicas in turn: the tenant and route through A, the
    provider and key through B. Returns (tenant header, key, key id)."""
    (_, a), (_, b) = cluster
    header = {"X-Tenant-ID": "multi"}
    admin_a, admin_b = _admin(a), _admin(b)
    assert admin_a.post(f"{a}/api/admin/tenants", json={"id": "multi"}, timeout=10).status_code == 201
    # B must see the tenant A created before it can add a provider to it.
    _eventually(lambda: admin_b.get(f"{b}/api/admin/providers", headers=header, timeout=10).status_code == 200,
                "the tenant created on A known to B")
    provider = admin_b.post(f"{b}/api/admin/providers", headers=header, timeout=10, json={
        "id": "multi-mock", "type": "openai", "baseUrl": f"{gateway.mock_url}/v1", "apiKey": MOCK_KEY, "allowPrivateNetwork": True})
    assert provider.status_code == 201, provider.text

    def route_created_on_a() -> bool:
        answer = admin_a.post(f"{a}/api/admin/routes", headers=header, timeout=10, json={
            "name": "multi-chat", "targets": [{"provider": "multi-mock", "model": UPSTREAM_MODEL}]})
        assert answer.status_code in (201, 400, 404, 422), answer.text
        return answer.status_code == 201

    _eventually(route_created_on_a, "a route on A naming the provider created on B")
    created = admin_b.post(f"{b}/api/admin/keys", json={"name": "multinode"}, headers=header, timeout=10)
    assert created.status_code == 201, created.text
    return header, created.json()["key"], created.json()["id"]


def _client(url: str, key: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{url}/v1", api_key=key, max_retries=0, timeout=20)


def _chat(client: openai.OpenAI) -> str:
    completion = client.chat.completions.create(model="multi-chat", messages=[{"role": "user", "content": "hello"}])
    return completion.choices[0].message.content


def test_changes_made_through_either_replica_serve_requests_on_both_and_through_nginx(cluster, balancer, tenant):
    (_, a), (_, b) = cluster
    nginx_url, _ = balancer
    _, key, _ = tenant

    def serves(url: str) -> bool:
        try:
            return bool(_chat(_client(url, key)))
        except openai.APIStatusError:
            return False

    # The route was written through A, the provider and key through B: each replica serves them.
    _eventually(lambda: serves(a), "the route served by replica A")
    _eventually(lambda: serves(b), "the route served by replica B")
    client = _client(nginx_url, key)
    for _ in range(4):   # round robin: both replicas answer through nginx
        assert _chat(client)


def test_a_key_revoked_through_one_replica_is_refused_by_both_and_by_nginx(cluster, balancer, tenant):
    (_, a), (_, b) = cluster
    nginx_url, _ = balancer
    header, _, _ = tenant
    admin_b = _admin(b)
    created = admin_b.post(f"{b}/api/admin/keys", json={"name": "to-revoke"}, headers=header, timeout=10)
    assert created.status_code == 201, created.text
    key, key_id = created.json()["key"], created.json()["id"]
    for url in (a, b, nginx_url):
        _eventually(lambda url=url: _session().get(f"{url}/v1/models", headers={"Authorization": f"Bearer {key}"}, timeout=5).status_code == 200,
                    f"the new key accepted by {url}")

    revoked = _admin(a).post(f"{a}/api/admin/keys/{key_id}/revoke", headers=header, timeout=10)
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked", revoked.text
    for url in (a, b):
        _eventually(lambda url=url: _session().get(f"{url}/v1/models", headers={"Authorization": f"Bearer {key}"}, timeout=5).status_code == 401,
                    f"the revoked key refused by {url}")
    # Through nginx, every request, whichever replica takes it, with the SDK.
    for _ in range(4):
        with pytest.raises(openai.AuthenticationError):
            _chat(_client(nginx_url, key))


def test_both_replicas_write_one_audit_chain_that_verifies(cluster, balancer, tenant, database):
    (_, a), (_, b) = cluster
    nginx_url, _ = balancer
    header, _, _ = tenant
    admin = _admin(nginx_url)
    entries = admin.get(f"{nginx_url}/api/admin/audit", headers=header, timeout=10)
    assert entries.status_code == 200, entries.text
    # Written through A (the route) and through B (the provider and the key), in one chain.
    actions = {entry["action"] for entry in entries.json()["data"]}
    assert {"route.create", "provider.create", "key.create"} <= actions, actions
    for url in (a, b, nginx_url):
        verify = _admin(url).get(f"{url}/api/admin/audit/verify", headers=header, timeout=10)
        assert verify.status_code == 200 and verify.json()["valid"] is True, verify.text
        assert verify.json()["checked"] >= 3, verify.text
    # The CLI reads the same chain from the database.
    binary = _binary("GATEWYSE_BIN", ".build/debug/gatewyse")
    cli = subprocess.run([str(binary), "audit", "verify", "--database", database, "--tenant", "multi"],
                         capture_output=True, text=True, timeout=60)
    assert cli.returncode == 0 and "\tvalid\t" in cli.stdout, cli.stdout + cli.stderr


def test_killing_a_replica_under_load_loses_no_request(cluster, balancer, tenant):
    """Runs last in this module: replica B stays dead afterwards."""
    (_, a), (victim, b) = cluster
    nginx_url, nginx_log = balancer
    _, key, _ = tenant
    client = _client(nginx_url, key)
    done = threading.Event()
    completed = 0
    lock = threading.Lock()

    def one(_: int) -> str:
        nonlocal completed
        answer = _chat(client)
        with lock:
            completed += 1
            if completed >= KILL_AFTER:
                done.set()
        return answer

    with concurrent.futures.ThreadPoolExecutor(LOAD_CONCURRENCY) as pool:
        started = time.monotonic()
        futures = [pool.submit(one, i) for i in range(LOAD_REQUESTS)]
        assert done.wait(60), "the load did not get going"
        in_flight_at_kill = sum(1 for f in futures if not f.done())
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait(timeout=10)
        failures = []
        for future in futures:
            try:
                assert future.result(timeout=60)
            except Exception as error:  # noqa: BLE001 - every failure is reported below
                failures.append(repr(error))
    took = time.monotonic() - started
    # Requests nginx had sent to replica B and got no answer for: in flight when it died, or sent
    # on one of its keep-alive connections just after. nginx logs each (then retried it on A, or
    # the request would be among the failures).
    log = nginx_log.read_text(errors="replace").splitlines()
    dead = b.removeprefix("http://")
    cut_off = [line for line in log if dead in line and "while reading response header from upstream" in line]
    print(f"{LOAD_REQUESTS} chats at concurrency {LOAD_CONCURRENCY} through nginx in {took:.1f} s; replica B killed "
          f"after {KILL_AFTER} answers; {len(cut_off)} requests sent to B got no answer and were retried on A by nginx")
    assert not failures, f"{len(failures)} of {LOAD_REQUESTS} requests failed: {failures[:5]}\nnginx: {_tail(nginx_log, 20)}"
    assert in_flight_at_kill > 0
    assert cut_off, "no request was in flight on the killed replica, so nothing was shown:\n" + _tail(nginx_log, 20)
    assert victim.returncode == -signal.SIGKILL
    assert _up(f"{a}/readyz")
    assert _chat(client)
