"""Every path that enrolls a person in a region tells the core (PersonRegion), so the core's
person admin shows the person to that region's staff, and to no one else, without knowing the
enrollment app."""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.db.models import Exists, OuterRef
from django.urls import reverse

from accounts.models import PersonRegion
from enrollment.models import Enrollment
from tests.enrollment.test_admin_scoping import enrollment_form, form_errors
from tests.enrollment.test_feed_persons import URL as FEED_URL
from tests.enrollment.test_feed_persons import person_row
from tests.factories import EmployerFactory, EnrollmentFactory, StaffUserFactory, UserFactory

pytestmark = pytest.mark.django_db

XIAN, TAIYUAN = "610100", "140100"
PERSONS = "admin:accounts_insuredperson_changelist"


def persons_seen(client, staff) -> set[str]:
    """The names the person admin's list shows the staff user."""
    client.force_login(staff)
    return {person.name for person in client.get(reverse(PERSONS)).context["cl"].result_list}


def resident(region: str) -> dict:
    return {
        "region": region,
        "scheme": "RESIDENT",
        "status": "ACTIVE",
        "registered_at": "2021-01-05",
        "last_paid_at": "2025-12-20T10:00:00+08:00",
    }


def unlinked_enrollments():
    """Enrollments whose person the core does not know in their region."""
    link = PersonRegion.objects.filter(person=OuterRef("person"), region=OuterRef("region"))
    return Enrollment.objects.exclude(Exists(link))


def test_persons_enrolled_through_the_feed_are_seen_by_their_regions_staff_only(
    client, service_client
):
    """One feed of several persons in two regions: each region's staff see their own."""
    # given
    employer = EmployerFactory(region_id=XIAN)
    rows = [
        person_row(1, employer_code=employer.code, name="王西安"),
        person_row(2, employer_code="", name="王太原", enrollments=[resident(TAIYUAN)]),
        person_row(
            3,
            employer_code=employer.code,
            name="王两地",
            enrollments=[person_row(3, employer_code=employer.code)["enrollments"][0]]
            + [resident(TAIYUAN)],
        ),
    ]
    # when
    response = service_client.post(FEED_URL, {"persons": rows}, format="json")
    # then
    assert response.status_code == 200, response.json()
    xian = persons_seen(
        client, StaffUserFactory(regions=[XIAN], permissions=["accounts.view_insuredperson"])
    )
    taiyuan = persons_seen(
        client, StaffUserFactory(regions=[TAIYUAN], permissions=["accounts.view_insuredperson"])
    )
    assert xian == {"王西安", "王两地"}
    assert taiyuan == {"王太原", "王两地"}
    assert not unlinked_enrollments().exists()


def test_a_person_the_feed_enrolls_in_a_second_region_is_seen_there_too(client, service_client):
    # given a person the feed enrolled in Xi'an
    employer = EmployerFactory(region_id=XIAN)
    row = person_row(1, employer_code=employer.code, name="王迁移")
    assert service_client.post(FEED_URL, {"persons": [row]}, format="json").status_code == 200
    taiyuan_staff = StaffUserFactory(regions=[TAIYUAN], permissions=["accounts.view_insuredperson"])
    assert "王迁移" not in persons_seen(client, taiyuan_staff)
    # when the feed reports a Taiyuan resident record as well
    row["enrollments"].append(resident(TAIYUAN))
    assert service_client.post(FEED_URL, {"persons": [row]}, format="json").status_code == 200
    # then Taiyuan staff see the person
    assert "王迁移" in persons_seen(client, taiyuan_staff)


def test_an_enrollment_added_in_the_admin_makes_the_person_known_in_its_region(client):
    # given a Xi'an person, out of Taiyuan staff's sight
    person = EnrollmentFactory(region_id=XIAN, person__name="王转入").person
    taiyuan_staff = StaffUserFactory(regions=[TAIYUAN], permissions=["accounts.view_insuredperson"])
    assert "王转入" not in persons_seen(client, taiyuan_staff)
    # when a superuser adds a Taiyuan enrollment in the admin
    client.force_login(UserFactory(is_staff=True, is_superuser=True, kind="STAFF"))
    response = client.post(
        reverse("admin:enrollment_enrollment_add"), enrollment_form(person=person)
    )
    assert response.status_code == 302, form_errors(response)
    # then Taiyuan staff see the person
    assert "王转入" in persons_seen(client, taiyuan_staff)


def test_the_migration_links_every_existing_enrollment():
    """Enrollments made before PersonRegion existed: the data migration links them, once."""
    # given enrollments the core knows nothing about
    EnrollmentFactory(region_id=XIAN)
    twice = EnrollmentFactory(region_id=TAIYUAN)
    EnrollmentFactory(region_id=TAIYUAN, person=twice.person, record_id="TY-2")
    PersonRegion.objects.all().delete()
    migration = importlib.import_module(
        "enrollment.migrations.0006_person_regions_from_enrollments"
    )
    # when
    migration.from_enrollments(django_apps, SimpleNamespace(connection=connection))
    # then
    assert not unlinked_enrollments().exists()
    assert PersonRegion.objects.count() == 2
