"""Cases in the admin: listed with filters, revertible by staff of the case's region only;
a revert restores exactly what was there and is audited."""

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from enrollment.models import DuplicateCase, EnrollmentStatus, ResolutionRun
from enrollment.services import cases
from tests.enrollment.factories import statuses
from tests.factories import InsuredPersonFactory, StaffUserFactory

pytestmark = pytest.mark.django_db

CASE_PERMISSIONS = ["enrollment.view_duplicatecase", "enrollment.change_duplicatecase"]
CHANGELIST = "admin:enrollment_duplicatecase_changelist"


@pytest.fixture
def xian_staff(client):
    user = StaffUserFactory(regions=["610100"], permissions=CASE_PERMISSIONS)
    client.force_login(user)
    return user


@pytest.fixture
def decided(enroll, resolve):
    """One case in Xi'an (resident suspended there) and one in Taiyuan."""
    xian_person = InsuredPersonFactory(name="西安参保人")
    employee = enroll(xian_person, "EMPLOYEE", "140100")
    resident = enroll(xian_person, "RESIDENT", "610100")
    resident.status_reason = "原因甲"
    resident.save()
    taiyuan_person = InsuredPersonFactory(name="太原参保人")
    enroll(taiyuan_person, "EMPLOYEE", "610100", paid="2026-10-05")
    enroll(taiyuan_person, "EMPLOYEE", "140100", paid="2026-01-05")
    resolve()
    return {
        "xian": DuplicateCase.objects.get(person=xian_person),
        "taiyuan": DuplicateCase.objects.get(person=taiyuan_person),
        "employee": employee,
        "resident": resident,
    }


def test_staff_see_only_their_regions_cases(client, xian_staff, decided):
    """A case belongs to the region whose records it changed; others do not see it."""
    # when
    page = client.get(reverse(CHANGELIST)).content.decode()
    # then
    assert "西安参保人" in page
    assert "太原参保人" not in page
    assert "暂停" in page and "城乡居民医保" in page  # the records the case changed
    other = reverse("admin:enrollment_duplicatecase_change", args=[decided["taiyuan"].pk])
    assert client.get(other).status_code in (302, 404)
    own = reverse("admin:enrollment_duplicatecase_change", args=[decided["xian"].pk])
    assert "原因甲" in client.get(own).content.decode()  # the state before, kept on the case


def test_the_list_filters_by_rule_region_and_status(client, xian_staff, decided):
    url = reverse(CHANGELIST)
    hit = client.get(url, {"rule": "EMPLOYEE_OVER_RESIDENT", "status": "DECIDED"})
    miss = client.get(url, {"rule": "RESIDENT_NEWEST"})
    by_region = client.get(url, {"region__code__exact": "610100"})
    assert hit.status_code == miss.status_code == by_region.status_code == 200
    assert "西安参保人" in hit.content.decode()
    assert "西安参保人" not in miss.content.decode()
    assert "西安参保人" in by_region.content.decode()


def test_staff_revert_restores_exactly_what_was_there_and_is_audited(
    client, xian_staff, decided, resolve
):
    """The resident record is ACTIVE again with its old reason; who and when are recorded."""
    # given
    case = decided["xian"]
    # when
    response = client.post(reverse(CHANGELIST), {"action": "revert", "_selected_action": [case.pk]})
    # then
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == DuplicateCase.Status.REVERTED
    assert case.reverted_by == xian_staff and case.reverted_at is not None
    resident = decided["resident"]
    resident.refresh_from_db()
    assert (resident.status, resident.status_reason) == (EnrollmentStatus.ACTIVE, "原因甲")
    assert resident.resolution_exempt
    events = AuditEvent.objects.filter(action="duplicate_case.revert", actor=xian_staff)
    record = events.get(object_type="enrollment.enrollment", object_id=resident.pk)
    assert record.before == {
        "status": "SUSPENDED",
        "status_reason": "重复参保：已参加职工医保，居民医保暂停",
        "resolution_exempt": False,
    }
    assert record.after == {
        "status": "ACTIVE",
        "status_reason": "原因甲",
        "resolution_exempt": True,
    }
    kept = events.get(object_type="enrollment.enrollment", object_id=decided["employee"].pk)
    assert (kept.before, kept.after) == ({"resolution_exempt": False}, {"resolution_exempt": True})
    reverted = events.get(object_type="enrollment.duplicatecase", object_id=case.pk)
    assert (reverted.before, reverted.after) == ({"status": "DECIDED"}, {"status": "REVERTED"})
    # and the nightly run does not undo the staff decision
    assert resolve().counts["cases"] == {}
    assert statuses(resident) == [EnrollmentStatus.ACTIVE]


def test_staff_of_another_region_cannot_revert_the_case(client, xian_staff, decided):
    """Not through the admin (the case is not in their list) and not through the service."""
    # given
    case = decided["taiyuan"]
    # when
    client.post(reverse(CHANGELIST), {"action": "revert", "_selected_action": [case.pk]})
    # then
    case.refresh_from_db()
    assert case.status == DuplicateCase.Status.DECIDED
    with pytest.raises(cases.BusinessRuleViolation) as refused:
        cases.duplicate_case_revert(case=case, by=xian_staff)
    assert refused.value.status_code == 403
    case.refresh_from_db()
    assert case.status == DuplicateCase.Status.DECIDED
    assert not AuditEvent.objects.exists()


def test_a_record_changed_since_the_decision_blocks_the_revert(decided):
    """The source stopped the suspended record since: putting ACTIVE back would be a lie."""
    resident = decided["resident"]
    resident.status = EnrollmentStatus.STOPPED
    resident.save()
    staff = StaffUserFactory(regions=["610100"])
    with pytest.raises(cases.BusinessRuleViolation, match="不能按原样撤销"):
        cases.duplicate_case_revert(case=decided["xian"], by=staff)
    decided["xian"].refresh_from_db()
    assert decided["xian"].status == DuplicateCase.Status.DECIDED


def test_a_case_is_reverted_once(decided):
    staff = StaffUserFactory(regions=["610100"])
    cases.duplicate_case_revert(case=decided["xian"], by=staff)
    with pytest.raises(cases.BusinessRuleViolation, match="已处理"):
        cases.duplicate_case_revert(case=decided["xian"], by=staff)


def test_staff_can_queue_a_run_from_the_admin(
    client, xian_staff, enroll, django_capture_on_commit_callbacks
):
    person = InsuredPersonFactory()
    enroll(person, "EMPLOYEE", "610100")
    enroll(person, "RESIDENT", "610100")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:enrollment_duplicatecase_run_now"))
    assert response.status_code == 302
    run = ResolutionRun.objects.get()
    assert run.triggered_by == f"admin:{xian_staff.username}"
    assert run.counts["cases"] == {"EMPLOYEE_OVER_RESIDENT": 1}
    assert "立即运行重复参保处理" in client.get(reverse(CHANGELIST)).content.decode()


def test_the_run_now_button_needs_a_post(client, xian_staff):
    assert client.get(reverse("admin:enrollment_duplicatecase_run_now")).status_code == 403


def test_staff_can_resolve_the_persons_of_selected_cases_again(
    client, xian_staff, decided, enroll, django_capture_on_commit_callbacks
):
    # given: a new duplicate for the Xi'an person arrives after the first run
    person = decided["xian"].person
    new = enroll(person, "EMPLOYEE", "140100", record_id="NEW", paid="2020-01-01")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse(CHANGELIST),
            {"action": "resolve_persons_again", "_selected_action": [decided["xian"].pk]},
        )
    # then
    assert statuses(new) == [EnrollmentStatus.MERGED]


def test_runs_and_restores_are_listed_for_staff(client, decided):
    """Every run with its counts by rule; the admin pages render."""
    from tests.factories import UserFactory

    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    runs = client.get(reverse("admin:enrollment_resolutionrun_changelist"))
    assert runs.status_code == 200
    assert "职工优先于居民: 1" in runs.content.decode()
    for name in ("emergencyrestore", "enrollment", "duplicatecase"):
        assert client.get(reverse(f"admin:enrollment_{name}_changelist")).status_code == 200
