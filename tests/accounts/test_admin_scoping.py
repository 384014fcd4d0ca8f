"""Staff see and change only their own regions' records in the admin; changes are audited."""

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from accounts.models import RegionPolicy
from tests.factories import EmployerFactory, EnrollmentFactory, StaffUserFactory

pytestmark = pytest.mark.django_db

STAFF_PERMISSIONS = [
    "accounts.view_employer",
    "accounts.change_employer",
    "accounts.view_regionpolicy",
    "accounts.change_regionpolicy",
    "accounts.view_insuredperson",
    "accounts.change_insuredperson",
    "enrollment.view_enrollment",
    "enrollment.change_enrollment",
]


@pytest.fixture
def xian_staff(client):
    user = StaffUserFactory(regions=["610100"], permissions=STAFF_PERMISSIONS)
    client.force_login(user)
    return user


def test_the_changelist_shows_only_the_staff_regions_records(client, xian_staff):
    mine = EmployerFactory(region_id="610100", name="西安甲公司")
    theirs = EmployerFactory(region_id="140100", name="太原乙公司")
    page = client.get(reverse("admin:accounts_employer_changelist")).content.decode()
    assert mine.name in page
    assert theirs.name not in page


def test_another_regions_record_cannot_be_opened_or_changed(client, xian_staff):
    theirs = EmployerFactory(region_id="140100", name="太原乙公司")
    url = reverse("admin:accounts_employer_change", args=[theirs.pk])
    assert client.get(url).status_code in (302, 404)
    client.post(url, {"code": theirs.code, "name": "被改名", "region": "140100"})
    theirs.refresh_from_db()
    assert theirs.name == "太原乙公司"


def test_another_regions_policy_cannot_be_changed(client, xian_staff):
    url = reverse("admin:accounts_regionpolicy_change", args=["140100"])
    assert client.get(url).status_code in (302, 404)
    own = reverse("admin:accounts_regionpolicy_change", args=["610100"])
    assert client.get(own).status_code == 200


def test_staff_cannot_move_a_record_into_another_region(client, xian_staff):
    mine = EmployerFactory(region_id="610100")
    url = reverse("admin:accounts_employer_change", args=[mine.pk])
    response = client.post(url, {"code": mine.code, "name": mine.name, "region": "140100"})
    assert response.status_code == 200  # form redisplayed with an error
    mine.refresh_from_db()
    assert mine.region_id == "610100"


def test_persons_are_visible_only_through_an_enrollment_in_the_region(client, xian_staff):
    mine = EnrollmentFactory(region_id="610100", person__name="西安参保人")
    theirs = EnrollmentFactory(region_id="140100", person__name="太原参保人")
    page = client.get(reverse("admin:accounts_insuredperson_changelist")).content.decode()
    assert mine.person.name in page
    assert theirs.person.name not in page
    enrollments = client.get(reverse("admin:enrollment_enrollment_changelist")).content.decode()
    assert "西安参保人" in enrollments and "太原参保人" not in enrollments


def test_national_ids_are_masked_for_staff_without_the_permission(client, xian_staff):
    enrollment = EnrollmentFactory(region_id="610100")
    national_id = enrollment.person.national_id
    page = client.get(reverse("admin:accounts_insuredperson_changelist")).content.decode()
    assert national_id not in page
    assert enrollment.person.masked_national_id in page
    change = client.get(
        reverse("admin:accounts_insuredperson_change", args=[enrollment.person.pk])
    ).content.decode()
    assert national_id not in change


def test_privileged_staff_see_the_full_id(client):
    user = StaffUserFactory(
        regions=["610100"],
        permissions=[*STAFF_PERMISSIONS, "accounts.view_full_national_id"],
    )
    client.force_login(user)
    enrollment = EnrollmentFactory(region_id="610100")
    page = client.get(reverse("admin:accounts_insuredperson_changelist")).content.decode()
    assert enrollment.person.national_id in page


def test_a_staff_change_is_audited_with_who_and_before_after(client, xian_staff):
    url = reverse("admin:accounts_regionpolicy_change", args=["610100"])
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data["credit_day"] = 15
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert RegionPolicy.objects.get(pk="610100").credit_day == 15
    entry = LogEntry.objects.get_for_object(RegionPolicy.objects.get(pk="610100")).latest(
        "timestamp"
    )
    assert entry.actor == xian_staff
    assert entry.changes_dict["credit_day"] == ["20", "15"]


def test_staff_cannot_manage_users(client, xian_staff):
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 403
