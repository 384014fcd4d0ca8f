"""Staff edit the calendar in the admin: superusers the national schedule, region staff only
their regions' own days (they see every day: their deadlines depend on the national ones)."""

import datetime as dt

import pytest
from django.urls import reverse

from accounts.models import CalendarDay
from tests.accounts.calendar_factories import CalendarDayFactory
from tests.factories import StaffUserFactory, UserFactory

pytestmark = pytest.mark.django_db

XIAN, TAIYUAN = "610100", "140100"
CALENDAR_PERMISSIONS = [
    f"accounts.{action}_calendarday" for action in ("view", "add", "change", "delete")
]
ADD = reverse("admin:accounts_calendarday_add")
CHANGELIST = reverse("admin:accounts_calendarday_changelist")


def change_url(day: CalendarDay) -> str:
    return reverse("admin:accounts_calendarday_change", args=[day.pk])


@pytest.fixture
def xian_staff(client):
    """Xi'an staff holding every permission on the calendar."""
    user = StaffUserFactory(regions=[XIAN], permissions=CALENDAR_PERMISSIONS)
    client.force_login(user)
    return user


@pytest.fixture
def national_day():
    return CalendarDay.objects.get(region__isnull=True, date=dt.date(2025, 10, 1))


def test_a_superuser_adds_a_national_day(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True, kind="STAFF"))
    response = client.post(
        ADD, {"date": "2025-12-31", "kind": "HOLIDAY", "name": "全国临时假日", "region": ""}
    )
    assert response.status_code == 302
    assert CalendarDay.objects.filter(region__isnull=True, date=dt.date(2025, 12, 31)).exists()


def test_region_staff_see_national_and_every_region_s_days(client, xian_staff, national_day):
    taiyuan_day = CalendarDayFactory(region_id=TAIYUAN, name="太原地方节日")
    shown = client.get(CHANGELIST).context["cl"].result_list
    assert national_day in shown
    assert taiyuan_day in shown


def test_region_staff_cannot_change_or_delete_a_national_day(client, xian_staff, national_day):
    # the page opens read-only
    page = client.get(change_url(national_day))
    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    # a change is refused
    response = client.post(
        change_url(national_day),
        {"date": "2025-10-01", "kind": "WORKDAY", "name": "改", "region": XIAN},
    )
    assert response.status_code == 403
    delete = reverse("admin:accounts_calendarday_delete", args=[national_day.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    national_day.refresh_from_db()
    assert (national_day.kind, national_day.region_id) == ("HOLIDAY", None)


def test_region_staff_cannot_bulk_delete_national_days(client, xian_staff, national_day):
    own = CalendarDayFactory(region_id=XIAN)
    client.post(
        CHANGELIST,
        {"action": "delete_selected", "_selected_action": [national_day.pk, own.pk], "post": "yes"},
    )
    assert CalendarDay.objects.filter(pk__in=[national_day.pk, own.pk]).count() == 2


def test_region_staff_edit_their_region_s_own_day(client, xian_staff):
    own = CalendarDayFactory(region_id=XIAN)
    response = client.post(
        change_url(own), {"date": "2025-10-10", "kind": "HOLIDAY", "name": "改期", "region": XIAN}
    )
    assert response.status_code == 302
    own.refresh_from_db()
    assert (own.date, own.name) == (dt.date(2025, 10, 10), "改期")


def test_region_staff_cannot_change_another_region_s_day(client, xian_staff):
    theirs = CalendarDayFactory(region_id=TAIYUAN, name="太原地方节日")
    response = client.post(
        change_url(theirs),
        {"date": "2025-10-09", "kind": "HOLIDAY", "name": "改", "region": XIAN},
    )
    assert response.status_code == 403
    theirs.refresh_from_db()
    assert (theirs.region_id, theirs.name) == (TAIYUAN, "太原地方节日")


@pytest.mark.parametrize("region", ["", TAIYUAN])
def test_region_staff_add_days_only_for_their_regions(client, xian_staff, region):
    """No national day (the region is required of them), no day of another region."""
    data = {"date": "2025-10-09", "kind": "HOLIDAY", "name": "地方节日", "region": region}
    response = client.post(ADD, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["region"]
    assert not CalendarDay.objects.filter(date=dt.date(2025, 10, 9)).exists()
    assert client.post(ADD, {**data, "region": XIAN}).status_code == 302
    assert CalendarDay.objects.get(date=dt.date(2025, 10, 9)).region_id == XIAN


def test_a_second_entry_for_a_region_and_date_is_refused_with_a_message(client, xian_staff):
    CalendarDayFactory(region_id=XIAN, date=dt.date(2025, 10, 9))
    response = client.post(
        ADD, {"date": "2025-10-09", "kind": "HOLIDAY", "name": "重复", "region": XIAN}
    )
    assert response.status_code == 200
    assert "该统筹区在该日期已有安排。" in str(response.context["adminform"].form.errors)
