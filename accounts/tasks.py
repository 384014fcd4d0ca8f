"""Celery tasks of the core app: thin wrappers that take ids and call one service."""

from celery import shared_task
from django.db import connection, transaction
from django.utils import timezone

from .models import Region
from .services import credits


@shared_task(name="accounts.worker_healthcheck")
def worker_healthcheck() -> dict:
    """Proves a worker reaches the broker and the database: answers what it sees there."""
    return {"database": connection.vendor, "regions": Region.objects.count()}


@shared_task(name="accounts.run_monthly_credit", acks_late=True)
def run_monthly_credit(
    region_code: str, period: str | None = None, started_by_id: int | None = None
) -> dict:
    """Idempotent: a retried or duplicated delivery credits nobody twice. `started_by_id`:
    the staff user who started it in the admin."""
    run = credits.monthly_credit_run(
        region_code=region_code,
        period=period,
        triggered_by="admin" if started_by_id else "task",
        started_by_id=started_by_id,
    )
    return {"run": run.pk, "credited": run.credited_count, "amount": str(run.credited_amount)}


@shared_task(name="accounts.run_monthly_credit_due")
def run_monthly_credit_due() -> list[str]:
    """Daily (beat): queue the credit run of every region whose credit day is today."""
    regions = credits.regions_due_for_credit(today=timezone.localdate())
    for code in regions:
        transaction.on_commit(lambda code=code: run_monthly_credit.delay(code))
    return regions


@shared_task(name="accounts.year_end_carry_over", acks_late=True)
def year_end_carry_over(year: int | None = None) -> int:
    """1 January (beat): carry last year's current-year balances over (结转)."""
    return credits.year_end_carry_over(year=year or timezone.localdate().year - 1)
