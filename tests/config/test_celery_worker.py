"""A real Celery worker process runs a task through Redis against the test database."""

import os
import subprocess
import sys
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from accounts.models import PersonalAccount, Region
from accounts.services import contributions, periods
from accounts.tasks import run_monthly_credit, worker_healthcheck
from config.celery import app
from tests.factories import InsuredPersonFactory, employee_account

pytestmark = [pytest.mark.celery_worker, pytest.mark.postgres]

BASE_DIR = Path(settings.BASE_DIR)


@pytest.fixture
def celery_worker_process():
    """Start `celery worker` on a queue of its own, pointed at the test database."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "REDIS_URL": settings.REDIS_URL,
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "-Q",
            queue,
            "-n",
            f"{queue}@%h",
        ],
        cwd=BASE_DIR,
        env=env,
    )
    app.conf.task_always_eager = False
    try:
        yield queue
    finally:
        app.conf.task_always_eager = True
        worker.terminate()
        worker.wait(timeout=30)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_process_runs_a_task_from_redis_on_the_test_database(celery_worker_process):
    # given: a region only this test database has
    Region.objects.create(code="999901", name="测试区", province="测试省")
    # when
    result = worker_healthcheck.apply_async(queue=celery_worker_process)
    # then
    assert result.get(timeout=60) == {"database": "postgresql", "regions": Region.objects.count()}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_runs_the_monthly_credit_and_a_redelivery_credits_nobody_twice(
    celery_worker_process,
):
    # given: a paid contribution for an assessed period
    region = Region.objects.get(pk="610100")
    person = InsuredPersonFactory()
    employee_account(person)
    contributions.contributions_feed_apply(
        rows=[
            {
                "person": person,
                "region": region,
                "period": "202603",
                "base": Decimal("8000.00"),
                "paid_at": timezone.now(),
            }
        ]
    )
    periods.accounting_period_assess(
        period=periods.accounting_period_open(region=region, period="202603")
    )
    # when: the task is delivered twice
    first = run_monthly_credit.apply_async(args=("610100",), queue=celery_worker_process)
    second = run_monthly_credit.apply_async(args=("610100",), queue=celery_worker_process)
    # then
    assert first.get(timeout=60)["credited"] == 1
    assert second.get(timeout=60)["credited"] == 0
    account = PersonalAccount.objects.select_related("current").get(person=person)
    assert account.current.balance_fen == 16000
