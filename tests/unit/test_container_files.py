"""The container files agree with the code: ``compose.yaml`` sets only known variables and mounts
the secrets where the service looks for them by default; the ``Dockerfile`` starts and checks
the service with exactly the commands the process integration test runs
(``tests/integration/deployment.py``); the profile ``scale-out`` runs more of the same instances
behind HAProxy with the configuration the ``scale_out`` integration tests run."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from adapters.config import DEV_COOKIE_KEY, DEV_DATABASE_PASSWORD, DEV_TOKEN_KEY, load_config
from adapters.variables import VARIABLES
from tests.integration.deployment import HEALTH_COMMAND, SERVICE_COMMAND

ROOT = Path(__file__).resolve().parents[2]
DEFAULTS = {variable.name: variable.default for variable in VARIABLES}
SECRET_VARIABLES = {
    "postgres_password": "DATABASE_PASSWORD_FILE",
    "auth_token_key": "AUTH_TOKEN_KEY_FILE",
    "auth_cookie_key": "AUTH_COOKIE_KEY_FILE",
}
DEV_SECRETS = {
    "postgres_password": DEV_DATABASE_PASSWORD.encode(),
    "auth_token_key": DEV_TOKEN_KEY,
    "auth_cookie_key": DEV_COOKIE_KEY,
}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
    return loaded


@pytest.fixture(scope="module")
def autoupdate(compose: dict[str, Any]) -> dict[str, Any]:
    service: dict[str, Any] = compose["services"]["autoupdate"]
    return service


def dockerfile() -> list[tuple[str, str]]:
    """``(INSTRUCTION, arguments)`` pairs, continuation lines joined, comments dropped."""
    text = (ROOT / "Dockerfile").read_text()
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n\s*", " ", "\n".join(lines))
    instructions = []
    for line in joined.splitlines():
        if line.strip():
            instruction, _, arguments = line.strip().partition(" ")
            instructions.append((instruction.upper(), arguments.strip()))
    return instructions


def instruction(name: str) -> list[str]:
    return [arguments for found, arguments in dockerfile() if found == name]


def exec_form(arguments: str) -> list[str]:
    """The JSON array of an exec-form ``CMD`` (the shell form would run through ``sh -c``)."""
    command = json.loads(arguments)
    assert isinstance(command, list) and all(isinstance(part, str) for part in command), arguments
    return command


def secret_targets(service: dict[str, Any]) -> dict[str, str]:
    """Secret name → path inside the container (the short form mounts at /run/secrets/<name>)."""
    targets = {}
    for secret in service.get("secrets", []):
        if isinstance(secret, str):
            targets[secret] = f"/run/secrets/{secret}"
        else:
            target = secret.get("target", secret["source"])
            targets[secret["source"]] = target if target.startswith("/") else f"/run/secrets/{target}"
    return targets


# compose.yaml


def test_compose_has_postgres_redis_and_the_service(compose: dict[str, Any]) -> None:
    services = {name: s for name, s in compose["services"].items() if "profiles" not in s}
    assert set(services) == {"postgres", "redis", "autoupdate"}
    assert services["postgres"]["image"] == "postgres:15"
    assert services["redis"]["image"] == "redis:7"
    assert services["autoupdate"]["build"] in (".", {"context": "."})


def test_every_service_has_a_health_check(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        test = service["healthcheck"]["test"]
        assert isinstance(test, list) and test[0] in ("CMD", "CMD-SHELL"), name


def test_service_waits_for_healthy_postgres_and_redis(autoupdate: dict[str, Any]) -> None:
    assert autoupdate["depends_on"] == {
        "postgres": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
    }


def test_service_environment_names_are_known_variables(autoupdate: dict[str, Any]) -> None:
    environment = autoupdate["environment"]
    assert isinstance(environment, dict), "use the mapping form, so names can be checked"
    assert set(environment) <= set(DEFAULTS), set(environment) - set(DEFAULTS)
    assert environment["DATABASE_HOST"] == "postgres"
    assert environment["MESSAGE_BUS_HOST"] == "redis"


def test_service_configuration_loads(autoupdate: dict[str, Any]) -> None:
    """The environment is valid as the service parses it, with the secrets where compose puts them
    (here: the development files they are mounted from)."""
    files = {name: str(ROOT / "dev-secrets" / name) for name in SECRET_VARIABLES}
    environment = {name: str(value) for name, value in autoupdate["environment"].items()}
    environment.update({SECRET_VARIABLES[name]: path for name, path in files.items()})
    config = load_config(environment)
    assert (config.database_host, config.message_bus_host) == ("postgres", "redis")
    assert config.token_key == DEV_TOKEN_KEY
    assert config.database_password() == DEV_DATABASE_PASSWORD


def test_secrets_are_mounted_at_the_default_file_paths(
    compose: dict[str, Any], autoupdate: dict[str, Any]
) -> None:
    targets = secret_targets(autoupdate)
    assert targets == {name: DEFAULTS[variable] for name, variable in SECRET_VARIABLES.items()}
    for variable in SECRET_VARIABLES.values():  # overriding the path would defeat the mount
        assert variable not in autoupdate["environment"]
    postgres = compose["services"]["postgres"]
    assert postgres["environment"]["POSTGRES_PASSWORD_FILE"] == secret_targets(postgres)["postgres_password"]
    assert set(compose["secrets"]) == set(SECRET_VARIABLES) | {"proxy_certificate"}


def test_development_secret_files_hold_the_development_secrets(compose: dict[str, Any]) -> None:
    """The raw content is the secret (nothing is trimmed): no trailing newline."""
    for name, secret in compose["secrets"].items():
        path = (ROOT / secret["file"]).resolve()
        assert path.parent == ROOT / "dev-secrets", f"{name}: development secrets live in dev-secrets/"
        if name != "proxy_certificate":  # checked below
            assert path.read_bytes() == DEV_SECRETS[name]


def test_postgres_gets_the_datastore_schema_as_init_script(compose: dict[str, Any]) -> None:
    mounts = [volume.split(":") for volume in compose["services"]["postgres"]["volumes"]]
    scripts = [
        (source, target) for source, target, *_ in mounts if target.startswith("/docker-entrypoint-initdb.d/")
    ]
    assert len(scripts) == 1
    source, target = scripts[0]
    assert (ROOT / source).resolve() == ROOT / "adapters" / "datastore_schema.sql"
    assert target.endswith(".sql")
    env = compose["services"]["postgres"]["environment"]
    assert (env["POSTGRES_USER"], env["POSTGRES_DB"]) == (
        DEFAULTS["DATABASE_USER"],
        DEFAULTS["DATABASE_NAME"],
    )


def test_service_port_is_published(autoupdate: dict[str, Any]) -> None:
    port = autoupdate["environment"].get("AUTOUPDATE_PORT", DEFAULTS["AUTOUPDATE_PORT"])
    assert [str(mapping).rsplit(":", 1)[-1] for mapping in autoupdate["ports"]] == [str(port)]


def test_compose_health_check_is_the_health_command(autoupdate: dict[str, Any]) -> None:
    assert autoupdate["healthcheck"]["test"] == ["CMD", *HEALTH_COMMAND]


# Dockerfile


def test_dockerfile_runs_the_service_command() -> None:
    [cmd] = instruction("CMD")
    assert exec_form(cmd) == list(SERVICE_COMMAND)


def test_dockerfile_health_check_is_the_health_command() -> None:
    [healthcheck] = instruction("HEALTHCHECK")
    options, marker, command = healthcheck.partition("CMD ")
    assert marker and all(option.startswith("--") for option in options.split())
    assert exec_form(command) == list(HEALTH_COMMAND)


def test_dockerfile_installs_the_package_and_runs_unprivileged() -> None:
    assert instruction("FROM") == ["python:3.11-slim"]
    assert any(re.search(r"\bpip install (/src|\.)(\s|$)", run) for run in instruction("RUN"))
    [user] = instruction("USER")
    assert user not in ("root", "0")
    assert instruction("EXPOSE") == [DEFAULTS["AUTOUPDATE_PORT"]]


def test_dockerignore_lets_in_what_the_dockerfile_copies() -> None:
    """The context is an allow-list: the copied sources only (no dev-secrets, no tests)."""
    allowed = {
        line.strip().removeprefix("!").rstrip("/")
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip().startswith("!")
    }
    copied = {source for arguments in instruction("COPY") for source in arguments.split()[:-1]}
    assert copied == allowed
    assert all((ROOT / source).exists() for source in copied)
    assert "dev-secrets" not in allowed


def test_files_the_container_files_and_the_readme_name_exist() -> None:
    """``docs/…``, ``adapters/…`` and ``dev-secrets/…`` paths cited in compose.yaml, the
    Dockerfile and the README are files of the repository."""
    for name in ("compose.yaml", "Dockerfile", "README.md"):
        text = (ROOT / name).read_text()
        for cited in re.findall(r"\b((?:docs|adapters|dev-secrets)/[\w./-]*\w)", text):
            assert (ROOT / cited).exists(), f"{name} names {cited}, which is not in the repository"


# compose.yaml, profile scale-out


@pytest.fixture(scope="module")
def haproxy(compose: dict[str, Any]) -> dict[str, Any]:
    service: dict[str, Any] = compose["services"]["haproxy"]
    return service


def haproxy_config(name: str) -> str:
    """A file of ``deploy/haproxy`` without its comment lines."""
    lines = (ROOT / "deploy" / "haproxy" / name).read_text().splitlines()
    return "\n".join(line for line in lines if not line.lstrip().startswith("#"))


def test_scale_out_profile_adds_instances_and_the_proxy(compose: dict[str, Any]) -> None:
    profiled = {name for name, s in compose["services"].items() if "profiles" in s}
    assert profiled == {"autoupdate-scaled", "haproxy"}
    assert all(compose["services"][name]["profiles"] == ["scale-out"] for name in profiled)


def test_scaled_instances_are_the_service_without_a_published_port(
    compose: dict[str, Any], autoupdate: dict[str, Any]
) -> None:
    """Replicas can not share a host port; everything else is the same service."""
    scaled = compose["services"]["autoupdate-scaled"]
    assert "ports" not in scaled
    assert scaled["deploy"]["replicas"] >= 2
    same = {key: value for key, value in autoupdate.items() if key != "ports"}
    assert {key: value for key, value in scaled.items() if key not in ("profiles", "deploy")} == same


def test_proxy_runs_the_tested_configuration(haproxy: dict[str, Any]) -> None:
    """The mounted folder holds the files the command names: the tests' configuration plus the
    servers found through Docker's DNS (every replica of autoupdate-scaled, at its port)."""
    [mount] = haproxy["volumes"]
    source, target, mode = mount.split(":")
    assert (ROOT / source).resolve() == ROOT / "deploy" / "haproxy" and mode == "ro"
    command = haproxy["command"]
    files = [command[i + 1] for i, part in enumerate(command) if part == "-f"]
    assert command[0] == "haproxy"
    assert files == [f"{target}/haproxy.cfg", f"{target}/compose-servers.cfg"]
    templates = re.findall(
        r"^\s*server-template \S+ \d+ (\S+):(\d+)", haproxy_config("compose-servers.cfg"), re.M
    )
    assert templates == [("autoupdate-scaled", DEFAULTS["AUTOUPDATE_PORT"])]
    assert haproxy["depends_on"] == {"autoupdate-scaled": {"condition": "service_healthy"}}


def test_proxy_environment_is_what_its_configuration_reads(haproxy: dict[str, Any]) -> None:
    """Every ``${NAME}`` of the configuration is set, nothing else; the certificate is the mounted
    secret; the published port and the health check's port are the configured ones."""
    used = set(re.findall(r"\$\{(\w+)\}", haproxy_config("haproxy.cfg")))
    environment = haproxy["environment"]
    assert set(environment) == used
    assert secret_targets(haproxy) == {"proxy_certificate": environment["PROXY_CERTIFICATE"]}
    port = environment["PROXY_BIND"].rsplit(":", 1)[1]
    assert [str(mapping).rsplit(":", 1)[1] for mapping in haproxy["ports"]] == [port]
    monitor = environment["PROXY_MONITOR_BIND"].replace(":", "/")
    assert f"/dev/tcp/{monitor}" in haproxy["healthcheck"]["test"][-1]
    assert int(haproxy["ulimits"]["nofile"]) > 2 * int(environment["PROXY_MAXCONN"])


def test_proxy_checks_the_instances_health_route_and_keeps_streams_open() -> None:
    config = haproxy_config("haproxy.cfg")
    assert "http-check send meth GET uri /system/autoupdate/health" in config
    assert re.search(r"^\s*bind .* ssl crt .* alpn h2,http/1.1$", config, re.M)
    timeouts = dict(re.findall(r"^\s*timeout (client|server) (\d+)h$", config, re.M))
    assert timeouts == {"client": "1", "server": "1"}
    assert "compression" not in config and "http-buffer-request" not in config


def test_development_proxy_certificate_is_for_localhost() -> None:
    """A self-signed certificate and its key, in one PEM as HAProxy reads it."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    pem = (ROOT / "dev-secrets" / "proxy.pem").read_bytes()
    certificate = x509.load_pem_x509_certificate(pem)
    key = serialization.load_pem_private_key(pem, password=None)
    assert certificate.public_key().public_numbers() == key.public_key().public_numbers()  # type: ignore[union-attr]
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in names.get_values_for_type(x509.DNSName)
