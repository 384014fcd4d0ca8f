"""Helpers of the enrollment tests beyond tests/factories.py: dates, accounts with money,
and short views of records and cases."""

import datetime as dt

from django.utils import timezone

from accounts.models import Contribution, PersonalAccount, Region
from accounts.services import ledger
from accounts.services.personal_accounts import personal_account_open
from enrollment.models import DuplicateCase, Enrollment, EnrollmentStatus, EnrollmentStatusChange
from tests.factories import EnrollmentFactory

XIAN = "610100"
TZ = timezone.get_fixed_timezone(8 * 60)
EMPLOYED_SINCE = timezone.make_aware(dt.datetime(2020, 1, 1))


def day(text: str) -> dt.datetime:
    """A date of the seeds' kind ("2025-12-20") as an aware datetime, 09:00 Beijing time."""
    return dt.datetime.fromisoformat(text).replace(hour=9, tzinfo=TZ)


def account_with_money(person, record_id, *, current_fen, carried_fen, periods_paid=()):
    """A personal account of one 个人编号 with money in both parts and some contributions."""
    region = Region.objects.get(pk=XIAN)
    account = personal_account_open(person=person, region=region, record_id=record_id)
    fund = ledger.region_account(region=region)
    for part, amount in ((account.current, current_fen), (account.carried, carried_fen)):
        if amount:
            ledger.posting_create(
                from_account=fund,
                to_account=part,
                amount_fen=amount,
                kind="TEST_SEED",
                idempotency_key=f"seed:{account.pk}:{part.kind}",
            )
    for period in periods_paid:
        Contribution.objects.create(
            account=account,
            person=person,
            region=region,
            period=period,
            reported_base_fen=800_000,
            base_fen=800_000,
            employer_share_fen=64_000,
            individual_share_fen=16_000,
            credit_fen=16_000,
            paid_at=timezone.now(),
        )
    return account


def balances(account) -> tuple[int, int]:
    account = PersonalAccount.objects.select_related("current", "carried").get(pk=account.pk)
    return account.current.balance_fen, account.carried.balance_fen


def statuses(*enrollments) -> list[str]:
    return [Enrollment.objects.get(pk=e.pk).status for e in enrollments]


def cases_of(person) -> list[tuple[str, str, int | None, list[int]]]:
    """(rule, status, kept id, sorted changed ids) of the person's cases, oldest first."""
    return [
        (c.rule, c.status, c.kept_id, sorted(c.changes.values_list("enrollment_id", flat=True)))
        for c in DuplicateCase.objects.filter(person=person).order_by("pk")
    ]


def moved_to_another_employer(first, second, on: dt.date):
    """Employed by `first` since 2020, then the record moved to `second` on `on`."""
    enrollment = EnrollmentFactory(employer=first, registered_at=EMPLOYED_SINCE)
    common = {"enrollment": enrollment, "changed_at": timezone.now(), "source": "test"}
    EnrollmentStatusChange.objects.create(
        status_before="",
        status_after=EnrollmentStatus.ACTIVE,
        employer=first,
        effective_on=EMPLOYED_SINCE.date(),
        **common,
    )
    EnrollmentStatusChange.objects.create(
        status_before=EnrollmentStatus.ACTIVE,
        status_after=EnrollmentStatus.ACTIVE,
        employer=second,
        effective_on=on,
        **common,
    )
    enrollment.employer = second
    enrollment.save(update_fields=["employer"])
    personal_account_open(person=enrollment.person, region=enrollment.region)
    return enrollment.person
