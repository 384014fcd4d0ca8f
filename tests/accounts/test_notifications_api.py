"""GET /api/v1/me/notifications/, POST .../{id}/read/, POST .../read-all/: a person's or an
employer's own notices, never one-time codes, never another's."""

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Notification, User
from tests.accounts.factories import NotificationFactory
from tests.factories import EmployerFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/me/notifications/"


def test_a_person_lists_own_notices_newest_first_without_codes(person, person_client):
    """Read and unread, newest first; `?unread=1` for the unread only."""
    # given
    read = NotificationFactory(person=person, read_at=timezone.now(), link="/account/")
    unread = NotificationFactory(person=person, kind=Notification.Kind.WALLET)
    NotificationFactory(person=person, kind=Notification.Kind.CODE)
    NotificationFactory()
    # when
    everything = person_client.get(URL)
    only_unread = person_client.get(URL, {"unread": "1"})
    # then
    assert everything.status_code == 200
    rows = everything.json()["results"]
    assert [r["id"] for r in rows] == [unread.pk, read.pk]
    assert rows[0]["kind"] == "WALLET" and rows[0]["read_at"] is None
    assert rows[1]["link"] == "/account/" and rows[1]["read_at"] is not None
    assert [r["id"] for r in only_unread.json()["results"]] == [unread.pk]


def test_marking_one_read_answers_whether_it_was_unread(person, person_client):
    notice = NotificationFactory(person=person)
    first = person_client.post(f"{URL}{notice.pk}/read/")
    again = person_client.post(f"{URL}{notice.pk}/read/")
    assert first.json() == {"status": "READ", "count": 1}
    assert again.json() == {"status": "READ", "count": 0}
    notice.refresh_from_db()
    assert notice.read_at is not None


def test_another_persons_notice_is_a_json_404(person_client):
    """Per-object: the id of someone else's notice is as if it did not exist."""
    theirs = NotificationFactory()
    response = person_client.post(f"{URL}{theirs.pk}/read/")
    assert response.status_code == 404 and "detail" in response.json()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_an_employer_reads_and_marks_all_of_its_own(person):
    """Employers use the same paths with their token; "all" is theirs only."""
    # given
    employer = EmployerFactory(user=UserFactory(kind=User.Kind.EMPLOYER))
    NotificationFactory.create_batch(2, person=None, employer=employer)
    persons_notice = NotificationFactory(person=person)
    client = APIClient()
    client.force_authenticate(employer.user)
    # when
    listed = client.get(URL)
    marked = client.post(f"{URL}read-all/")
    # then
    assert listed.json()["count"] == 2
    assert marked.json() == {"status": "READ", "count": 2}
    persons_notice.refresh_from_db()
    assert persons_notice.read_at is None


def test_notices_need_a_signed_in_person_or_employer(api_client):
    assert api_client.get(URL).status_code == 401
    assert api_client.post(f"{URL}read-all/").status_code == 401
