import pytest

from enrollment.models import EnrollmentStatus
from enrollment.services import duplicates
from tests.enrollment.factories import day
from tests.factories import EmployerFactory, EnrollmentFactory


@pytest.fixture
def enroll(db):
    """enroll(person, "EMPLOYEE", "610100", paid="2026-10-05", registered="2015-03-01", ...)."""

    def make(
        person,
        scheme,
        region="610100",
        *,
        paid="2026-10-05",
        registered="2015-03-01",
        record_id="",
        status=EnrollmentStatus.ACTIVE,
        **extra,
    ):
        kwargs = {}
        if scheme == "EMPLOYEE" and "employer" not in extra:
            kwargs["employer"] = EmployerFactory(region_id=region)
        return EnrollmentFactory(
            person=person,
            scheme=scheme,
            region_id=region,
            record_id=record_id,
            status=status,
            last_paid_at=day(paid) if paid else None,
            registered_at=day(registered),
            **kwargs,
            **extra,
        )

    return make


@pytest.fixture
def resolve(db):
    """Run the resolution as the nightly job would; returns the run."""

    def run(**kwargs):
        return duplicates.duplicates_resolve(triggered_by="test", **kwargs)

    return run
