"""docker-compose.yml, Dockerfile and .env.example, checked without Docker (no engine here).

What can be checked is checked: the production shape (services, executor, auth manager, init
job, health checks), that every bind mount and COPY source exists, that every setting the code
reads is set for every Airflow component, that every ``${VAR}`` the file uses is explained in
.env.example (which holds no real secret), that the image's Airflow version is the one pinned
in requirements.txt, and that the Samba configuration parses. Building the images and running
the stack are not done here: see README.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from campaign_ops import PROJECT_ROOT
from campaign_ops.board import BOARD_RESOURCE
from campaign_ops.campaign import DropZone
from campaign_ops.settings import PREFIX, Settings
from campaign_ops.store.db import create_engine, current_revision, upgrade

COMPOSE_FILE = PROJECT_ROOT / "docker-compose.yml"
DOCKERFILE = PROJECT_ROOT / "Dockerfile"
ENV_EXAMPLE = PROJECT_ROOT / ".env.example"
IMAGE_ROOT = "/opt/campaign-ops"  # where the Dockerfile installs the package (editable)

AIRFLOW_COMPONENTS = {
    "airflow-apiserver": "api-server",
    "airflow-scheduler": "scheduler",
    "airflow-dag-processor": "dag-processor",
    "airflow-triggerer": "triggerer",
    "airflow-worker": "celery worker",
}
# ${VAR}, ${VAR:-default}, ${VAR:?error}; not $${VAR}, which the container's shell expands.
VAR = re.compile(r"(?<!\$)\$\{([A-Z0-9_]+)(?:(:?[-?])([^}]*))?\}")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose: dict) -> dict:
    return compose["services"]


def env_example() -> dict[str, str]:
    values = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's ``${VAR}``, ``${VAR:-default}`` and ``${VAR:?error}`` substitution."""

    def one(match: re.Match) -> str:
        name, op, arg = match.group(1), match.group(2), match.group(3)
        value = env.get(name, "")
        if value:
            return value
        if op and op.endswith("-"):
            return arg
        if op and op.endswith("?"):
            raise KeyError(f"{name} is required: {arg}")
        return ""

    return VAR.sub(one, text)


def trial_env() -> dict[str, str]:
    """.env.example with its placeholders filled, as a person following it would."""
    return {k: ("trial-" + k.lower() if v == "CHANGE-ME" else v) for k, v in env_example().items()}


def test_production_shape(services: dict) -> None:
    for name, command in AIRFLOW_COMPONENTS.items():
        assert services[name]["command"] == command, name
    for name in ("postgres", "redis", "airflow-init", "mailpit", "samba"):
        assert name in services
    env = services["airflow-scheduler"]["environment"]
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert env["AIRFLOW__CORE__AUTH_MANAGER"].endswith("fab_auth_manager.FabAuthManager")
    assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://")
    assert "@postgres/airflow" in env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    assert env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "false"
    # Task runners reach the API server by its service name, on the port it listens on.
    assert (
        env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://airflow-apiserver:8080/execution/"
    )
    assert "8080" in services["airflow-apiserver"]["ports"][0].split(":")[-1]


def test_every_airflow_component_is_the_same_image_and_waits_for_init(services: dict) -> None:
    airflow_services = [*AIRFLOW_COMPONENTS, "airflow-init"]
    images = {services[n]["image"] for n in airflow_services}
    builds = {json.dumps(services[n]["build"], sort_keys=True) for n in airflow_services}
    assert len(images) == 1 and len(builds) == 1
    for name in AIRFLOW_COMPONENTS:
        depends = services[name]["depends_on"]
        assert depends["airflow-init"]["condition"] == "service_completed_successfully", name
        assert depends["postgres"]["condition"] == "service_healthy", name
        assert depends["redis"]["condition"] == "service_healthy", name
    assert services["airflow-worker"]["depends_on"]["airflow-apiserver"]["condition"] == (
        "service_healthy"
    )


def test_long_running_services_have_health_checks(services: dict) -> None:
    for name, service in services.items():
        if name != "airflow-init":
            assert "healthcheck" in service, name


def test_init_job_migrates_creates_the_admin_and_grants_the_board(services: dict) -> None:
    init = services["airflow-init"]
    script = PROJECT_ROOT / init["command"].removeprefix(IMAGE_ROOT + "/")
    assert script.is_file() and script.stat().st_mode & 0o111
    text = script.read_text(encoding="utf-8")
    assert "airflow db migrate" in text
    assert "init_security.py" in text and "campaign_ops.store upgrade" in text
    assert (PROJECT_ROOT / "docker" / "init_security.py").is_file()
    assert BOARD_RESOURCE in (PROJECT_ROOT / "campaign_ops" / "board" / "__init__.py").read_text()
    assert "AIRFLOW_ADMIN_PASSWORD" in init["environment"]


def test_bind_mounts_exist_and_include_expectations_reach_every_component(
    services: dict,
) -> None:
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (PROJECT_ROOT / source).exists(), f"{name}: {source} missing in the repo"
    for name in [*AIRFLOW_COMPONENTS, "airflow-init"]:
        mounts = dict(v.split(":")[:2] for v in services[name]["volumes"])
        assert mounts["./include"] == f"{IMAGE_ROOT}/include", name
        assert mounts["./expectations"] == f"{IMAGE_ROOT}/expectations", name
        assert mounts["./dags"] == "/opt/airflow/dags", name
        assert mounts["./plugins"] == "/opt/airflow/plugins", name


# Settings whose defaults would be wrong in a container: relative to the working directory,
# SQLite on one container's disk, or not where the Dockerfile and the mounts put things.
MUST_BE_SET = {"HOME", "DATABASE_URL", "DROPZONE_DIR", "CAMPAIGNS_DIR", "FORMS_DIR"}


def settings_read_by_code() -> set[str]:
    names = {PREFIX + f.name.upper() for f in dataclasses.fields(Settings)}
    for folder in ("campaign_ops", "dags", "plugins"):
        for path in (PROJECT_ROOT / folder).rglob("*.py"):
            names |= set(re.findall(r"CAMPAIGN_OPS_[A-Z_]+", path.read_text("utf-8")))
    return names


def test_settings_the_code_reads_are_set_and_none_is_stale(services: dict) -> None:
    read_by_code = settings_read_by_code()
    assert {PREFIX + n for n in MUST_BE_SET} <= read_by_code
    for name in [*AIRFLOW_COMPONENTS, "airflow-init"]:
        env = services[name]["environment"]
        missing = sorted(PREFIX + n for n in MUST_BE_SET if PREFIX + n not in env)
        assert not missing, f"{name} does not set {missing}"
        stale = sorted(k for k in env if k.startswith(PREFIX) and k not in read_by_code)
        assert not stale, f"{name} sets {stale}, which no code reads (renamed?)"
        # Paths into the project point where the Dockerfile put (and compose mounted) it.
        assert env["CAMPAIGN_OPS_CAMPAIGNS_DIR"] == f"{IMAGE_ROOT}/include/campaigns"
        assert env["CAMPAIGN_OPS_EXPECTATIONS_DIR"] == f"{IMAGE_ROOT}/expectations"
        assert env["CAMPAIGN_OPS_DATABASE_URL"].startswith("postgresql+psycopg2://")
    dropzone = services["airflow-worker"]["environment"]["CAMPAIGN_OPS_DROPZONE_DIR"]
    worker_volumes = dict(v.split(":")[:2] for v in services["airflow-worker"]["volumes"])
    samba_volumes = dict(v.split(":")[:2] for v in services["samba"]["volumes"])
    shared = {v for v, path in worker_volumes.items() if path == dropzone}
    assert shared and shared <= set(samba_volumes), "the drop zone is not the Samba share"


def test_connections_the_code_uses_are_defined_and_valid_json(services: dict) -> None:
    from campaign_ops.mail.transport import DEFAULT_CONN_ID

    share_conn_id = DropZone.model_fields["connection_id"].default
    env = services["airflow-worker"]["environment"]
    expected = {DEFAULT_CONN_ID: "smtp", share_conn_id: "samba", "smtp_default": "smtp"}
    for conn_id, conn_type in expected.items():
        raw = env[f"AIRFLOW_CONN_{conn_id.upper()}"]
        conn = json.loads(interpolate(raw, trial_env()))
        assert conn["conn_type"] == conn_type
    smtp = json.loads(interpolate(env["AIRFLOW_CONN_CAMPAIGN_OPS_SMTP"], trial_env()))
    assert (smtp["host"], smtp["port"]) == ("mailpit", 1025)
    share = json.loads(interpolate(env["AIRFLOW_CONN_CAMPAIGN_OPS_SHARE"], trial_env()))
    assert (share["host"], share["port"]) == ("samba", 445)


def test_every_variable_is_explained_in_env_example() -> None:
    used = {m.group(1) for m in VAR.finditer(COMPOSE_FILE.read_text(encoding="utf-8"))}
    documented = set(env_example())
    optional = {"CAMPAIGN_OPS_IMAGE"}  # an override for registries, defaulted in the file
    assert sorted(used - documented - optional) == []
    interpolate(COMPOSE_FILE.read_text(encoding="utf-8"), trial_env())  # nothing required unset


def test_env_example_holds_no_secret() -> None:
    values = env_example()
    for key, value in values.items():
        if re.search(r"PASSWORD|SECRET|FERNET", key) and key != "SMTP_PASSWORD":
            assert value == "CHANGE-ME", f"{key} must be a placeholder in .env.example"
    assert values["SMTP_PASSWORD"] == ""


def test_env_file_is_never_committed() -> None:
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", ".env"], cwd=PROJECT_ROOT, capture_output=True
    )
    assert ignored.returncode == 0, "add .env to .gitignore"
    assert ".env" in (PROJECT_ROOT / ".dockerignore").read_text().split()


def _pinned(package: str) -> str:
    text = (PROJECT_ROOT / "requirements.txt").read_text()
    match = re.search(rf"^{re.escape(package)}==(\S+)", text, re.MULTILINE)
    assert match, f"{package} is not pinned in requirements.txt"
    return match.group(1)


def test_image_tag_matches_requirements(services: dict) -> None:
    dockerfile = DOCKERFILE.read_text()
    airflow = _pinned("apache-airflow")
    assert f"ARG AIRFLOW_VERSION={airflow}" in dockerfile
    assert "FROM apache/airflow:${AIRFLOW_VERSION}-python${PYTHON_VERSION}" in dockerfile
    args = services["airflow-scheduler"]["build"]["args"]
    assert args["AIRFLOW_VERSION"] == airflow
    assert services["airflow-scheduler"]["image"].endswith(f"campaign-ops-airflow:{airflow}}}")
    python = re.search(r"ARG PYTHON_VERSION=(\S+)", dockerfile).group(1)
    assert args["PYTHON_VERSION"] == python
    assert f'">={python}' in (PROJECT_ROOT / "pyproject.toml").read_text()


def test_dockerfile_copies_what_exists() -> None:
    for line in DOCKERFILE.read_text().splitlines():
        if line.startswith("COPY"):
            source = line.split()[-2]
            assert (PROJECT_ROOT / source).exists(), source
    assert "pip install --no-cache-dir --no-deps -e ${CAMPAIGN_OPS_ROOT}" in DOCKERFILE.read_text()


def test_helper_scripts_are_executable_and_parse() -> None:
    for script in (PROJECT_ROOT / "docker").rglob("*.sh"):
        assert script.stat().st_mode & 0o111, f"{script} is not executable"
        subprocess.run(["bash", "-n", str(script)], check=True)


def test_samba_configuration_parses() -> None:
    testparm = shutil.which("testparm") or "/usr/bin/testparm"
    if not Path(testparm).exists():
        subprocess.run(["bash", str(PROJECT_ROOT / "scripts" / "install-services.sh")], check=True)
    done = subprocess.run(
        [testparm, "-s", str(PROJECT_ROOT / "docker" / "samba" / "smb.conf")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "[dropzone]" in done.stdout
    assert "WARNING" not in done.stderr


def test_postgres_init_script_gives_the_warehouse_its_own_database(postgres_server) -> None:
    """What the postgres image runs on a new volume, run against a real PostgreSQL 15; then the
    warehouse migrates as its own (non-superuser) owner, as airflow-init does."""
    env = {
        **os.environ,
        "PATH": f"/usr/lib/postgresql/15/bin{os.pathsep}{os.environ['PATH']}",
        "PGHOST": "127.0.0.1",
        "PGPORT": str(postgres_server.port),
        "POSTGRES_USER": "postgres",
        "POSTGRES_DB": "postgres",
        "CAMPAIGN_OPS_DB_PASSWORD": "trial-password",
    }
    script = PROJECT_ROOT / "docker" / "postgres" / "init-warehouse.sh"
    admin = sa.create_engine(postgres_server.url(), isolation_level="AUTOCOMMIT")
    try:
        done = subprocess.run(["bash", str(script)], env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        url = f"postgresql+psycopg2://campaign_ops:trial-password@127.0.0.1:{postgres_server.port}/campaign_ops"
        engine = create_engine(url)
        try:
            upgrade(engine)
            assert current_revision(engine)
            with engine.connect() as conn:
                assert conn.scalar(sa.text("SELECT current_user")) == "campaign_ops"
        finally:
            engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql("DROP DATABASE IF EXISTS campaign_ops WITH (FORCE)")
            conn.exec_driver_sql("DROP ROLE IF EXISTS campaign_ops")
        admin.dispose()
