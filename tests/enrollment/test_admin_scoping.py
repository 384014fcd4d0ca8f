"""Region staff add and change enrollments only for persons, employers, regions and records of
their own regions; a person of another region arrives through 转移接续, not an admin form."""

import pytest
from django.urls import reverse

from enrollment.models import Enrollment, Scheme
from tests.factories import (
    EmployerFactory,
    EnrollmentFactory,
    InsuredPersonFactory,
    StaffUserFactory,
    UserFactory,
    region,
)

pytestmark = pytest.mark.django_db

TAIYUAN, XIAN = "140100", "610100"

STAFF_PERMISSIONS = [
    "accounts.view_insuredperson",
    "accounts.change_insuredperson",
    "accounts.view_employer",
    "accounts.view_region",
    "enrollment.view_enrollment",
    "enrollment.add_enrollment",
    "enrollment.change_enrollment",
]


@pytest.fixture
def taiyuan_staff(client):
    user = StaffUserFactory(regions=[TAIYUAN], permissions=STAFF_PERMISSIONS)
    client.force_login(user)
    return user


def enrollment_form(*, person, region_code=TAIYUAN, scheme=Scheme.RESIDENT, **extra) -> dict:
    return {
        "person": person.pk,
        "region": region_code,
        "scheme": scheme,
        "employer": "",
        "record_id": "TY-1",
        "status": "ACTIVE",
        "status_reason": "",
        "registered_at_0": "2026-01-05",
        "registered_at_1": "09:00:00",
        "last_paid_at_0": "",
        "last_paid_at_1": "",
        "reported_name": "",
        "merged_into": "",
        **extra,
    }


def form_errors(response) -> str:
    return str(response.context["adminform"].form.errors)


def test_staff_cannot_add_an_enrollment_for_another_regions_person(client, taiyuan_staff):
    """The audited attack: a Taiyuan enrollment for a Xi'an-only person is refused and names
    the transfer flow; the person stays out of reach, phone and login link unchanged."""
    # given a person enrolled only in Xi'an, with a login
    person = InsuredPersonFactory(with_user=True, phone="13900000001")
    EnrollmentFactory(person=person, region=region(XIAN))
    login = person.user
    # when Taiyuan staff post the add form for them
    response = client.post(
        reverse("admin:enrollment_enrollment_add"), enrollment_form(person=person)
    )
    # then the form says why, and nothing was created
    assert response.status_code == 200
    assert "转移接续" in form_errors(response)
    assert not Enrollment.objects.filter(person=person, region_id=TAIYUAN).exists()
    # and the person's identity cannot be reached either
    url = reverse("admin:accounts_insuredperson_change", args=[person.pk])
    client.post(url, {"name": person.name, "phone": "13700000000", "user": ""})
    person.refresh_from_db()
    assert person.phone == "13900000001"
    assert person.user == login


def test_staff_may_still_add_an_enrollment_for_a_person_of_their_region(client, taiyuan_staff):
    """A person with a record in the staff's region can get another record there."""
    person = EnrollmentFactory(region=region(TAIYUAN)).person
    response = client.post(
        reverse("admin:enrollment_enrollment_add"), enrollment_form(person=person)
    )
    assert response.status_code == 302, form_errors(response)
    assert Enrollment.objects.filter(
        person=person, region_id=TAIYUAN, scheme=Scheme.RESIDENT
    ).exists()


def test_a_superuser_may_add_an_enrollment_for_any_person(client):
    person = EnrollmentFactory(region=region(XIAN)).person
    client.force_login(UserFactory(is_staff=True, is_superuser=True, kind="STAFF"))
    response = client.post(
        reverse("admin:enrollment_enrollment_add"), enrollment_form(person=person)
    )
    assert response.status_code == 302, form_errors(response)
    assert Enrollment.objects.filter(person=person, region_id=TAIYUAN).exists()


@pytest.mark.parametrize("field", ["person", "region", "employer", "merged_into"])
def test_an_enrollment_cannot_be_pointed_at_another_regions_object(client, taiyuan_staff, field):
    """A forged POST with a foreign pk in any related field is a form error, not a save."""
    # given a Taiyuan enrollment and, in Xi'an, a person, an employer and a record
    mine = EnrollmentFactory(region=region(TAIYUAN), scheme=Scheme.EMPLOYEE)
    theirs = EnrollmentFactory(region=region(XIAN), scheme=Scheme.EMPLOYEE)
    foreign = {
        "person": theirs.person.pk,
        "region": XIAN,
        "employer": EmployerFactory(region=region(XIAN)).pk,
        "merged_into": theirs.pk,
    }
    data = enrollment_form(
        person=mine.person, scheme=Scheme.EMPLOYEE, employer=mine.employer_id, status="MERGED"
    )
    data[field] = foreign[field]
    # when staff save the change
    url = reverse("admin:enrollment_enrollment_change", args=[mine.pk])
    response = client.post(url, data)
    # then the field is refused and the record is as it was
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    before = (mine.person_id, mine.region_id, mine.employer_id, mine.merged_into_id)
    mine.refresh_from_db()
    assert (mine.person_id, mine.region_id, mine.employer_id, mine.merged_into_id) == before


def test_the_same_change_inside_the_region_is_saved(client, taiyuan_staff):
    """Control for the test above: in-region objects are accepted."""
    mine = EnrollmentFactory(region=region(TAIYUAN), scheme=Scheme.EMPLOYEE)
    other = EnrollmentFactory(
        region=region(TAIYUAN), scheme=Scheme.EMPLOYEE, person=mine.person, record_id="TY-2"
    )
    employer = EmployerFactory(region=region(TAIYUAN))
    data = enrollment_form(
        person=mine.person,
        scheme=Scheme.EMPLOYEE,
        employer=employer.pk,
        status="MERGED",
        merged_into=other.pk,
    )
    url = reverse("admin:enrollment_enrollment_change", args=[mine.pk])
    response = client.post(url, data)
    assert response.status_code == 302, form_errors(response)
    mine.refresh_from_db()
    assert (mine.employer_id, mine.merged_into_id) == (employer.pk, other.pk)


def test_the_add_form_offers_only_the_staff_regions(client, taiyuan_staff):
    form = client.get(reverse("admin:enrollment_enrollment_add")).context["adminform"].form
    assert {region.pk for region in form.fields["region"].queryset} == {TAIYUAN}
    xian_person = EnrollmentFactory(region=region(XIAN)).person
    assert not form.fields["person"].queryset.filter(pk=xian_person.pk).exists()
