"""Two admin slips: the retired flag carries its date, and a region added in the admin can
be worked at once (it has a policy version)."""

import datetime as dt

import pytest
from django.urls import reverse

from accounts.models import AuditEvent, Region, RegionPolicyVersion
from accounts.selectors import policy_for_period
from enrollment.models import Scheme
from tests.factories import (
    EnrollmentFactory,
    InsuredPersonFactory,
    StaffUserFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def xian_staff(client):
    user = StaffUserFactory(
        regions=["610100"],
        permissions=["accounts.view_insuredperson", "accounts.change_insuredperson"],
    )
    client.force_login(user)
    return user


def xian_person():
    person = InsuredPersonFactory()
    EnrollmentFactory(person=person, region_id="610100", scheme=Scheme.RESIDENT)
    return person


def retired_url(person):
    return reverse("admin:accounts_insuredperson_identity", args=[person.pk, "retired"])


def test_retiring_a_person_in_the_admin_records_the_retirement_date(client, xian_staff):
    # given
    person = xian_person()
    # when
    client.post(
        retired_url(person), {"retired": "1", "retired_at": "2026-10-31", "reason": "办理退休"}
    )
    # then the retiree credit knows from when
    person.refresh_from_db()
    assert person.retired is True and person.retired_at == dt.date(2026, 10, 31)
    assert AuditEvent.objects.get(object_id=person.pk).after == {
        "retired": True,
        "retired_at": "2026-10-31",
    }
    # the change history names the change, not its code
    history = client.get(retired_url(person)).content.decode()
    assert "变更退休状态" in history and "retired_set" not in history


def test_correcting_back_to_in_service_clears_the_retirement_date(client, xian_staff):
    person = xian_person()
    client.post(
        retired_url(person), {"retired": "1", "retired_at": "2026-10-31", "reason": "办理退休"}
    )
    client.post(retired_url(person), {"retired": "0", "reason": "误操作更正"})
    person.refresh_from_db()
    assert person.retired is False and person.retired_at is None


def test_a_region_added_in_the_admin_has_a_policy_from_the_earliest_period(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True, kind="STAFF"))
    response = client.post(
        reverse("admin:accounts_region_add"),
        {
            "code": "990100",
            "name": "新设市",
            "province": "新设省",
            "policy-TOTAL_FORMS": "0",
            "policy-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, "the region was not added"
    region = Region.objects.get(pk="990100")
    assert RegionPolicyVersion.objects.filter(region=region).count() == 1
    assert policy_for_period("990100", "202611").valid_from_period == "190001"
