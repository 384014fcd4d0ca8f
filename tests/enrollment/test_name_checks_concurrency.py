"""Real transactions on PostgreSQL: a name case takes one report at a time and one decision."""

import pytest

from accounts.errors import BusinessRuleViolation
from accounts.models import AuditEvent, User
from enrollment.models import DuplicateCase, EnrollmentStatus, NameReport
from enrollment.services import name_checks
from tests.concurrency import run_in_threads
from tests.enrollment.factories import statuses
from tests.factories import InsuredPersonFactory, StaffUserFactory, UserFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def name_case(enroll, resolve):
    """A Xi'an employee whose legacy record carries another name: suspended, case open."""
    person = InsuredPersonFactory(name="赵敏")
    employee = enroll(person, "EMPLOYEE", "610100", reported_name="赵民")
    resolve()
    employee.employer.user = UserFactory(kind=User.Kind.EMPLOYER, username=employee.employer.code)
    employee.employer.save()
    return DuplicateCase.objects.get(person=person), employee


def test_two_reports_at_once_record_one(name_case):
    case, employee = name_case
    user = employee.employer.user
    results = run_in_threads(
        [
            lambda: name_checks.name_report_create(case=case, name="赵敏", reason="", by=user),
            lambda: name_checks.name_report_create(case=case, name="赵民", reason="", by=user),
        ]
    )
    refused = [r for r in results if isinstance(r, BusinessRuleViolation)]
    assert len(refused) == 1 and refused[0].status_code == 409, results
    assert case.name_reports.filter(status=NameReport.Status.PENDING).count() == 1


def test_two_staff_deciding_at_once_decide_once(name_case):
    """One confirms (one rename), the other's reject or confirm is refused: nothing twice."""
    # given
    case, employee = name_case
    name_checks.name_report_create(case=case, name="赵民", reason="", by=employee.employer.user)
    staff = [StaffUserFactory(regions=["610100"]) for _ in range(3)]
    # when
    results = run_in_threads(
        [
            lambda: name_checks.name_report_confirm(case=case, by=staff[0]),
            lambda: name_checks.name_report_confirm(case=case, by=staff[1]),
            lambda: name_checks.name_report_reject(case=case, reason="证件不符", by=staff[2]),
        ]
    )
    # then
    refused = [r for r in results if isinstance(r, BusinessRuleViolation)]
    assert len(refused) == 2, results
    case.refresh_from_db()
    report = case.name_reports.get()
    if report.status == NameReport.Status.CONFIRMED:
        assert case.status == DuplicateCase.Status.DECIDED
        assert statuses(employee) == [EnrollmentStatus.ACTIVE]
        assert AuditEvent.objects.filter(action="name_correct").count() == 1
    else:
        assert case.status == DuplicateCase.Status.OPEN
        assert statuses(employee) == [EnrollmentStatus.SUSPENDED]
        assert not AuditEvent.objects.filter(action="name_correct").exists()
