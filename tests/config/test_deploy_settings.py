"""The production settings pass `manage.py check --deploy` with no warning, keep database
connections between requests, and never serve the benchmark's floor view by accident."""

import json
import os
import re
import secrets
import subprocess
import sys

import pytest
import yaml
from django.conf import settings
from django.urls import Resolver404, resolve

PRODUCTION_ENV = {"SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "portal.example.cn"}


def run_check(**env_overrides) -> subprocess.CompletedProcess:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "DEBUG", "ALLOWED_HOSTS"}
    }
    env.update(DJANGO_SETTINGS_MODULE="config.settings.production", **env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_reports_no_issues():
    result = run_check(SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="portal.example.cn")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = run_check(ALLOWED_HOSTS="portal.example.cn")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def settings_of(module: str, **env_overrides) -> dict:
    """A settings module's database options and floor-view switch, as a fresh process with
    this environment sees them, and whether /bench/floor/ resolves."""
    code = (
        "import json, django\n"
        "django.setup()\n"
        "from django.conf import settings\n"
        "from django.urls import Resolver404, resolve\n"
        "try:\n"
        "    resolve('/bench/floor/'); floor = True\n"
        "except Resolver404:\n"
        "    floor = False\n"
        "db = settings.DATABASES['default']\n"
        "print(json.dumps({'max_age': db['CONN_MAX_AGE'], 'checks': db['CONN_HEALTH_CHECKS'],\n"
        "                  'floor_setting': settings.BENCH_FLOOR_VIEW, 'floor_url': floor,\n"
        "                  'options': db.get('OPTIONS', {})}))\n"
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "DB_CONN_MAX_AGE",
            "DB_CONN_HEALTH_CHECKS",
            "DB_PREPARED_STATEMENTS",
            "BENCH_FLOOR_VIEW",
        }
    }
    env.update(DJANGO_SETTINGS_MODULE=module, **env_overrides)
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_production_keeps_database_connections_and_checks_them():
    production = settings_of("config.settings.production", **PRODUCTION_ENV)
    assert production["max_age"] == 600
    assert production["checks"] is True


def test_operators_set_the_connection_lifetime_and_checks_in_the_environment():
    production = settings_of(
        "config.settings.production",
        **PRODUCTION_ENV,
        DB_CONN_MAX_AGE="0",
        DB_CONN_HEALTH_CHECKS="false",
    )
    assert production["max_age"] == 0
    assert production["checks"] is False


POSTGRES = "postgres://portal@db.example.cn:5432/yibao"


def test_on_postgresql_statements_are_bound_on_the_server_and_prepared():
    """A page's queries join up to seven tables: planned once per connection, not per request."""
    production = settings_of("config.settings.production", **PRODUCTION_ENV, DATABASE_URL=POSTGRES)
    assert production["options"]["server_side_binding"] is True
    assert production["options"]["prepare_threshold"] == 2


def test_operators_behind_a_transaction_pooler_turn_prepared_statements_off():
    production = settings_of(
        "config.settings.production",
        **PRODUCTION_ENV,
        DATABASE_URL=POSTGRES,
        DB_PREPARED_STATEMENTS="false",
    )
    assert "server_side_binding" not in production["options"]
    assert "prepare_threshold" not in production["options"]


@pytest.mark.parametrize("module", ["config.settings.local", "config.settings.test"])
def test_local_and_test_settings_open_a_connection_per_request_as_before(module):
    assert settings_of(module, DB_CONN_MAX_AGE="600")["max_age"] == 0


def test_the_benchmark_floor_is_off_in_production_unless_the_benchmark_sets_it():
    default = settings_of("config.settings.production", **PRODUCTION_ENV)
    bench = settings_of("config.settings.production", **PRODUCTION_ENV, BENCH_FLOOR_VIEW="true")
    assert (default["floor_setting"], default["floor_url"]) == (False, False)
    assert (bench["floor_setting"], bench["floor_url"]) == (True, True)


def test_the_test_suite_has_no_floor_view():
    with pytest.raises(Resolver404):
        resolve("/bench/floor/")


def test_docker_compose_passes_the_connection_settings_to_every_app_service():
    compose = yaml.safe_load((settings.BASE_DIR / "docker-compose.yml").read_text())
    for name in ("web", "worker", "beat"):
        environment = compose["services"][name]["environment"]
        assert re.fullmatch(r"\$\{DB_CONN_MAX_AGE:-[1-9]\d*\}", environment["DB_CONN_MAX_AGE"])
        assert environment["DB_CONN_HEALTH_CHECKS"] == "${DB_CONN_HEALTH_CHECKS:-true}"
        assert environment["DB_PREPARED_STATEMENTS"] == "${DB_PREPARED_STATEMENTS:-true}"
        assert "BENCH_FLOOR_VIEW" not in environment
