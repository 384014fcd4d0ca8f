"""GET /api/v1/me/: a person sees only their own data, with the ID masked."""

import pytest

from accounts.models import User
from tests.factories import EnrollmentFactory, InsuredPersonFactory, StaffUserFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/me/"


def test_me_shows_the_masked_id_name_and_enrollments(person, person_client):
    EnrollmentFactory(person=person, region_id="610100")
    EnrollmentFactory(person=person, region_id="140100", scheme="RESIDENT", status="STOPPED")
    body = person_client.get(URL).json()
    assert body["national_id"] == person.national_id[:6] + "********" + person.national_id[-4:]
    assert body["name"] == person.name
    assert sorted((e["region"], e["scheme"], e["status"]) for e in body["enrollments"]) == [
        ("140100", "RESIDENT", "STOPPED"),
        ("610100", "EMPLOYEE", "ACTIVE"),
    ]


def test_a_person_never_sees_another_persons_enrollments(person, person_client):
    other = InsuredPersonFactory(with_user=True)
    EnrollmentFactory(person=other, region_id="110100")
    body = person_client.get(URL).json()
    assert body["name"] == person.name
    assert body["enrollments"] == []
    assert other.national_id not in str(body)


def test_me_needs_a_signed_in_person(api_client):
    assert api_client.get(URL).status_code == 401
    api_client.force_authenticate(StaffUserFactory())
    assert api_client.get(URL).status_code == 403
    api_client.force_authenticate(UserFactory(kind=User.Kind.EMPLOYER))
    assert api_client.get(URL).status_code == 403


def test_me_uses_a_constant_number_of_queries(person, person_client, django_assert_num_queries):
    EnrollmentFactory(person=person)
    with django_assert_num_queries(2):
        person_client.get(URL)
    for n in range(4):
        EnrollmentFactory(person=person, region_id="140100", scheme="RESIDENT", record_id=str(n))
    with django_assert_num_queries(2):
        person_client.get(URL)
