"""The production settings pass `manage.py check --deploy` with no warning."""

import os
import secrets
import subprocess
import sys

from django.conf import settings


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
