"""封存: a person whose employee insurance stopped and who continues in resident insurance keeps
the balance but can use none of it; joining employee or flexible insurance again unfreezes it.
The feed, where enrollments change, opens and freezes the accounts."""

from decimal import Decimal

import pytest

from accounts.models import PersonalAccount, Region
from accounts.services import ledger
from accounts.services.personal_accounts import personal_account_freeze
from tests.enrollment.test_feed_persons import URL
from tests.factories import EmployerFactory, make_national_id

pytestmark = pytest.mark.django_db


def row(employer, enrollments, n=7):
    return {
        "national_id": make_national_id(n, prefix="610104"),
        "name": "彭亮",
        "retired": False,
        "enrollments": enrollments,
    }


def employee(employer, status="ACTIVE", record_id="61010000000001"):
    return {
        "region": employer.region_id,
        "scheme": "EMPLOYEE",
        "employer_code": employer.code,
        "record_id": record_id,
        "status": status,
        "registered_at": "2012-03-01",
        "last_paid_at": "2025-06-05",
    }


def resident(status="ACTIVE"):
    return {
        "region": "610100",
        "scheme": "RESIDENT",
        "status": status,
        "registered_at": "2025-09-10",
        "last_paid_at": "2025-12-20",
    }


def flexible(record_id="61010000000001"):
    return {
        "region": "610100",
        "scheme": "FLEXIBLE",
        "record_id": record_id,
        "status": "ACTIVE",
        "registered_at": "2026-10-01",
        "last_paid_at": "2026-10-10",
    }


def feed(service_client, payload_row):
    response = service_client.post(URL, {"persons": [payload_row]}, format="json")
    assert response.status_code == 200, response.json()
    return response.json()


@pytest.fixture
def employed(service_client):
    """彭亮 works in Xi'an: the feed opens his account (same 个人编号); it holds 1,234.56."""
    employer = EmployerFactory()
    feed(service_client, row(employer, [employee(employer)]))
    account = PersonalAccount.objects.get(record_id="61010000000001")
    ledger.posting_create(
        from_account=ledger.region_account(region=Region.objects.get(pk="610100")),
        to_account=account.carried,
        amount_fen=123_456,
        kind="TEST_SEED",
        idempotency_key="seed-peng",
    )
    return employer, account


def test_the_feed_opens_an_account_for_a_new_employee_record_with_its_record_id(employed):
    employer, account = employed
    assert (account.region_id, account.status) == ("610100", PersonalAccount.Status.ACTIVE)
    assert PersonalAccount.objects.count() == 1


def test_stopping_employee_insurance_and_continuing_as_resident_freezes_the_account(
    service_client, employed
):
    """停保转居民医保: balance kept, available 0."""
    # given
    employer, account = employed
    # when
    feed(service_client, row(employer, [employee(employer, status="STOPPED"), resident()]))
    # then
    account.refresh_from_db()
    assert account.status == PersonalAccount.Status.FROZEN
    assert account.balance == Decimal("1234.56")
    assert account.available == Decimal("0.00")
    assert PersonalAccount.objects.count() == 1  # residents have no personal account


def test_joining_flexible_insurance_again_unfreezes_it(service_client, employed):
    """今后停掉居民医保转为职工医保或者灵活就业人员医保，账户内余额可累计继续使用."""
    # given
    employer, account = employed
    feed(service_client, row(employer, [employee(employer, status="STOPPED"), resident()]))
    # when
    feed(
        service_client,
        row(
            employer,
            [employee(employer, status="STOPPED"), resident(status="STOPPED"), flexible()],
        ),
    )
    # then
    account.refresh_from_db()
    assert account.status == PersonalAccount.Status.ACTIVE
    assert account.available == Decimal("1234.56")


def test_a_stopped_employee_without_resident_insurance_is_not_frozen(service_client, employed):
    employer, account = employed
    feed(service_client, row(employer, [employee(employer, status="STOPPED")]))
    account.refresh_from_db()
    assert account.status == PersonalAccount.Status.ACTIVE


def test_an_account_frozen_for_another_reason_stays_frozen(service_client, employed):
    employer, account = employed
    personal_account_freeze(account=account, reason="司法冻结")
    feed(service_client, row(employer, [employee(employer)]))
    account.refresh_from_db()
    assert (account.status, account.status_reason) == (PersonalAccount.Status.FROZEN, "司法冻结")


def test_the_portal_explains_the_frozen_account(client, service_client, employed):
    from accounts.models import InsuredPerson
    from tests.factories import UserFactory

    employer, account = employed
    feed(service_client, row(employer, [employee(employer, status="STOPPED"), resident()]))
    person = InsuredPerson.objects.get(pk=account.person_id)
    person.user = UserFactory(username=person.national_id)
    person.save()
    client.force_login(person.user)
    body = client.get("/").content.decode()
    assert "个人账户已封存" in body
    assert "余额保留，暂时可用金额为0" in body
    assert "灵活就业人员医保后，账户自动解封" in body


def test_the_nightly_sweep_freezes_what_changed_outside_the_feed(service_client, employed):
    """Records changed another way (a data load, the admin) are caught by the nightly task."""
    from enrollment.models import Enrollment
    from enrollment.tasks import sync_account_freezing
    from tests.factories import EnrollmentFactory

    # given: the employee record stopped and a resident one added behind the feed's back
    employer, account = employed
    Enrollment.objects.filter(person_id=account.person_id).update(status="STOPPED")
    EnrollmentFactory(person_id=account.person_id, scheme="RESIDENT", employer=None)
    # when
    result = sync_account_freezing.delay().get()
    # then
    assert result == {"frozen": 1, "unfrozen": 0}
    account.refresh_from_db()
    assert account.status == PersonalAccount.Status.FROZEN
    assert sync_account_freezing.delay().get() == {"frozen": 0, "unfrozen": 0}


def test_staff_changing_an_enrollment_in_the_admin_unfreezes_at_once(
    client, service_client, employed
):
    from django.urls import reverse

    from enrollment.models import Enrollment
    from tests.factories import StaffUserFactory

    employer, account = employed
    feed(service_client, row(employer, [employee(employer, status="STOPPED"), resident()]))
    account.refresh_from_db()
    assert account.status == PersonalAccount.Status.FROZEN
    staff = StaffUserFactory(
        regions=["610100"],
        permissions=["enrollment.view_enrollment", "enrollment.change_enrollment"],
    )
    client.force_login(staff)
    record = Enrollment.objects.get(person_id=account.person_id, scheme="EMPLOYEE")
    url = reverse("admin:enrollment_enrollment_change", args=[record.pk])
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data["status"] = "ACTIVE"
    for name in ("registered_at", "last_paid_at"):
        value = getattr(record, name)
        data[f"{name}_0"], data[f"{name}_1"] = f"{value:%Y-%m-%d}", f"{value:%H:%M:%S}"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    account.refresh_from_db()
    assert account.status == PersonalAccount.Status.ACTIVE
