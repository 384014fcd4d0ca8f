"""Employers, their employees and contributions on record, and refund batches."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from accounts.models import Employer, InsuredPerson, RegionPolicyVersion
from accounts.services.contributions import contributions_feed_apply
from enrollment.models import EnrollmentStatus
from tests.factories import (
    EmployerFactory,
    EnrollmentFactory,
    InsuredPersonFactory,
    employee_account,
    region,
)

PERIODS = ["202404", "202405", "202406"]


def employee(
    employer: Employer,
    *,
    stopped_at: dt.date | None = None,
    stop_reason: str = "",
    retired: bool = False,
) -> InsuredPerson:
    """A person employed by `employer` since 2020 (stopped on `stopped_at` if given)."""
    person = InsuredPersonFactory(retired=retired)
    EnrollmentFactory(
        person=person,
        region=employer.region,
        employer=employer,
        registered_at=timezone.make_aware(dt.datetime(2020, 1, 1)),
        status=EnrollmentStatus.STOPPED if stopped_at else EnrollmentStatus.ACTIVE,
        stopped_at=stopped_at,
        stop_reason=stop_reason,
    )
    employee_account(person, employer.region_id)
    return person


def contribution(person: InsuredPerson, period: str, base: str, *, region_code="610100"):
    """A paid contribution on record; its shares follow the region policy (8% and 2%)."""
    contributions_feed_apply(
        rows=[
            {
                "person": person,
                "region": region(region_code),
                "period": period,
                "base": Decimal(base),
                "paid_at": timezone.make_aware(dt.datetime(2024, 12, 1)),
            }
        ]
    )


def item(person: InsuredPerson, period: str, paid_base: str, corrected_base: str) -> dict:
    return {
        "national_id": person.national_id,
        "period": period,
        "paid_base": paid_base,
        "corrected_base": corrected_base,
    }


def batch_payload(employer: Employer, items: list[dict], *, reference="SW-2024-001", periods=None):
    return {
        "reference": reference,
        "region": employer.region_id,
        "employer_code": employer.code,
        "periods": periods or PERIODS,
        "items": items,
    }


def employer_with_employees(count: int = 1, *, base="10000.00"):
    """An employer and `count` employees, each with a contribution for every period."""
    employer = EmployerFactory()
    people = [employee(employer) for _ in range(count)]
    for person in people:
        for period in PERIODS:
            contribution(person, period, base)
    return employer, people


def xian_policy_set() -> None:
    """The figures of the refund tests: average wage 7000 (band 4200–21000), rates 8% and 2%."""
    RegionPolicyVersion.objects.filter(region_id="610100").update(
        average_wage=Decimal("7000.00"),
        base_floor_percent=Decimal("60"),
        base_ceiling_percent=Decimal("300"),
        employer_rate=Decimal("0.0800"),
        individual_rate=Decimal("0.0200"),
        credit_extra_rate=Decimal("0"),
    )
