"""Staff change identity fields (phone, name, retired) only through the services: a reason,
an audit row, staff of the person's regions only; a phone change notifies the old phone."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.errors import BusinessRuleViolation
from accounts.models import AccountingPeriod, AuditEvent, Region
from accounts.services import identity, periods
from accounts.services.personal_accounts import personal_account_open
from enrollment.models import Scheme
from tests.accounts.messages import last_message
from tests.factories import (
    EmployerFactory,
    EnrollmentFactory,
    InsuredPersonFactory,
    StaffUserFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PERMISSIONS = ["accounts.view_insuredperson", "accounts.change_insuredperson"]


def xian_person(**fields):
    person = InsuredPersonFactory(with_user=True, **fields)
    EnrollmentFactory(person=person, region_id="610100", scheme=Scheme.RESIDENT)
    return person


def identity_url(person, field):
    return reverse("admin:accounts_insuredperson_identity", args=[person.pk, field])


@pytest.fixture
def xian_staff(client):
    user = StaffUserFactory(regions=["610100"], permissions=PERMISSIONS)
    client.force_login(user)
    return user


def test_staff_set_a_verified_phone_with_a_reason_audited_and_the_old_phone_told(
    client, xian_staff, django_capture_on_commit_callbacks
):
    # given
    person = xian_person(phone="13800001111")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            identity_url(person, "phone"), {"phone": "13900002222", "reason": "本人持证到窗口"}
        )
    # then
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.phone == "13900002222" and person.phone_changed_at is not None
    event = AuditEvent.objects.get(object_id=person.pk)
    assert event.actor == xian_staff and event.action == "phone_set_by_staff"
    assert (event.before, event.after) == ({"phone": "13800001111"}, {"phone": "13900002222"})
    assert event.reason == "本人持证到窗口"
    notice = last_message(person=person)
    assert notice.phone == "13800001111" and "变更" in notice.text


def test_without_a_reason_nothing_changes(client, xian_staff):
    person = xian_person(phone="13800001111")
    response = client.post(identity_url(person, "phone"), {"phone": "13900002222", "reason": " "})
    assert response.status_code == 200
    person.refresh_from_db()
    assert person.phone == "13800001111" and not AuditEvent.objects.exists()


def test_staff_of_another_region_cannot_reach_the_person(client):
    """Scoped like the person admin: a Taiyuan clerk finds no Xi'an-only person."""
    person = xian_person(phone="13800001111")
    client.force_login(StaffUserFactory(regions=["140100"], permissions=PERMISSIONS))
    for field in ("phone", "name", "retired"):
        assert client.get(identity_url(person, field)).status_code == 404
    client.post(identity_url(person, "phone"), {"phone": "13900002222", "reason": "x"})
    person.refresh_from_db()
    assert person.phone == "13800001111" and not AuditEvent.objects.exists()


def test_staff_without_the_change_permission_are_refused(client):
    person = xian_person()
    client.force_login(
        StaffUserFactory(regions=["610100"], permissions=["accounts.view_insuredperson"])
    )
    assert client.get(identity_url(person, "name")).status_code == 403


def test_a_name_correction_renames_the_login_too_and_is_audited(client, xian_staff):
    person = xian_person(name="张伟")
    page = client.get(reverse("admin:accounts_insuredperson_change", args=[person.pk]))
    assert identity_url(person, "name") in page.content.decode()
    client.post(identity_url(person, "name"), {"name": "张玮", "reason": "户口簿核实"})
    person.refresh_from_db()
    person.user.refresh_from_db()
    assert person.name == person.user.first_name == "张玮"
    event = AuditEvent.objects.get(object_id=person.pk, action="name_correct")
    assert (event.before, event.after) == ({"name": "张伟"}, {"name": "张玮"})
    history = client.get(identity_url(person, "name")).content.decode()
    assert "户口簿核实" in history


def test_retirement_waits_while_the_accounting_period_is_assessed(client, xian_staff):
    """在职转退休 by staff follows the same period gate as the person feed."""
    # given
    person = xian_person()
    region = Region.objects.get(pk="610100")
    personal_account_open(person=person, region=region, opened_period="202601")
    period = periods.accounting_period_open(region=region, period="202606")
    periods.accounting_period_assess(period=period)
    # when
    response = client.post(identity_url(person, "retired"), {"retired": "1", "reason": "办理退休"})
    # then
    assert response.status_code == 200
    assert "暂停办理" in response.content.decode()
    person.refresh_from_db()
    assert person.retired is False and not AuditEvent.objects.exists()
    # once the period is open again the change goes through
    AccountingPeriod.objects.create(region=region, period="202607")
    client.post(identity_url(person, "retired"), {"retired": "1", "reason": "办理退休"})
    person.refresh_from_db()
    assert person.retired is True
    assert person.retired_at == timezone.localdate()
    assert AuditEvent.objects.get(object_id=person.pk).after == {
        "retired": True,
        "retired_at": timezone.localdate().isoformat(),
    }


def test_the_services_refuse_without_a_reason():
    person = InsuredPersonFactory()
    actor = UserFactory(kind="STAFF", is_staff=True)
    for service, value in (
        (identity.person_phone_set_by_staff, {"phone": "13900002222"}),
        (identity.person_name_correct, {"name": "新名"}),
        (identity.person_retired_set, {"retired": True}),
    ):
        with pytest.raises(BusinessRuleViolation) as refusal:
            service(person=person, reason="", actor=actor, **value)
        assert refusal.value.field == "reason"


def test_superusers_see_audit_events_and_the_outbox_read_only(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True, kind="STAFF"))
    person = InsuredPersonFactory()
    identity.person_name_correct(person=person, name="新名", reason="核实", actor=None)
    page = client.get(reverse("admin:accounts_auditevent_changelist"))
    assert page.status_code == 200 and "name_correct" in page.content.decode()
    assert client.get(reverse("admin:accounts_auditevent_add")).status_code == 403


def test_staff_set_an_employers_verified_contact_phone_only_in_their_region(
    client, django_capture_on_commit_callbacks
):
    """An employer with no phone on file registers at the counter: staff of its region set a
    verified contact phone with a reason (audited); staff of another region cannot."""
    # given an employer in Xi'an with no phone, and staff of Xi'an and of Taiyuan
    employer = EmployerFactory(contact_phone="")
    permissions = ["accounts.view_employer", "accounts.change_employer"]
    url = reverse("admin:accounts_employer_identity", args=[employer.pk, "phone"])
    client.force_login(StaffUserFactory(regions=["140100"], permissions=permissions))
    # when Taiyuan staff try, then it is not found
    assert client.post(url, {"phone": "13900003333", "reason": "x"}).status_code == 404
    # when Xi'an staff set it
    staff = StaffUserFactory(regions=["610100"], permissions=permissions)
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"phone": "13900003333", "reason": "单位经办人持证到窗口"})
    # then the phone is set and audited
    assert response.status_code == 302
    employer.refresh_from_db()
    assert employer.contact_phone == "13900003333"
    event = AuditEvent.objects.get(object_type="accounts.employer", object_id=employer.pk)
    assert event.actor == staff and event.reason == "单位经办人持证到窗口"
    assert event.after == {"contact_phone": "13900003333"}
