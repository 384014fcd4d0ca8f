"""Celery tasks of the enrollment app: thin wrappers that call one service."""

from celery import shared_task

from .models import ResolutionRun
from .services import duplicates, personal_accounts


@shared_task(name="enrollment.resolve_duplicates", acks_late=True)
def resolve_duplicates(person_ids: list[int] | None = None, triggered_by: str = "task") -> dict:
    """Nightly (beat) and on demand. Idempotent: a repeated delivery finds nothing to decide.

    The decisions commit first; the personal-account merges follow in their own task.
    """
    run = duplicates.duplicates_resolve(
        triggered_by=triggered_by, person_ids=person_ids, merge_accounts=False
    )
    merge_duplicate_accounts.delay(run_id=run.pk)
    run.refresh_from_db(fields=["counts"])
    return {"run": run.pk, **run.counts}


@shared_task(name="enrollment.merge_duplicate_accounts", acks_late=True)
def merge_duplicate_accounts(run_id: int | None = None) -> dict:
    """Personal accounts of decided merges, through the ledger; pending ones only, so a
    repeated delivery moves nothing twice."""
    run = ResolutionRun.objects.filter(pk=run_id).first() if run_id else None
    merged, waiting = duplicates.duplicate_account_merges_apply(run=run)
    return {"accounts_merged": merged, "accounts_waiting": waiting}


@shared_task(name="enrollment.sync_account_freezing")
def sync_account_freezing() -> dict:
    """Nightly sweep: 封存 / 解封 for everyone, whatever path changed their enrollments."""
    frozen, unfrozen = personal_accounts.personal_accounts_freeze_sync(person_ids=None)
    return {"frozen": frozen, "unfrozen": unfrozen}
