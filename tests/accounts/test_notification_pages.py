"""Notices on the portal: unread ones on the person's and the employer's home page, newest
first with a count; a paginated list; marking one or all read by POST, one's own only."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification, User
from tests.accounts.factories import NotificationFactory
from tests.factories import EmployerFactory, StaffUserFactory, UserFactory

pytestmark = pytest.mark.django_db


def html(response) -> str:
    return response.content.decode()


def notices(person, count: int, **kwargs) -> list[Notification]:
    """`count` notices, a minute apart, the last the newest."""
    start = timezone.now() - dt.timedelta(hours=1)
    made = NotificationFactory.create_batch(count, person=person, **kwargs)
    for minute, notice in enumerate(made):
        Notification.objects.filter(pk=notice.pk).update(
            created_at=start + dt.timedelta(minutes=minute)
        )
    return made


@pytest.fixture
def employer_user(db):
    return EmployerFactory(user=UserFactory(kind=User.Kind.EMPLOYER))


# Home pages


def test_the_person_home_shows_unread_notices_newest_first_with_a_count(client, person):
    """Unread notices, newest first, counted; read ones and one-time codes stay off."""
    # given
    _older, newer = notices(person, 2, text="旧通知")
    Notification.objects.filter(pk=newer.pk).update(text="新通知")
    NotificationFactory(person=person, text="已读通知", read_at=timezone.now())
    NotificationFactory(person=person, kind=Notification.Kind.CODE, text="验证码 123456")
    NotificationFactory(text="别人的通知")
    client.force_login(person.user)
    # when
    body = html(client.get("/"))
    # then
    assert "2 条未读" in body
    assert body.index("新通知") < body.index("旧通知")
    assert "已读通知" not in body and "123456" not in body and "别人的通知" not in body
    assert reverse("notification-read", args=[newer.pk]) in body
    assert reverse("notifications-read-all") in body


def test_the_employer_home_shows_its_unread_notices(client, employer_user):
    """Employers are told things the same way as persons."""
    # given
    NotificationFactory(person=None, employer=employer_user, text="退费批次已审核")
    client.force_login(employer_user.user)
    # when
    body = html(client.get("/"))
    # then
    assert "退费批次已审核" in body and "1 条未读" in body


def test_a_home_page_without_notices_says_so(client, person):
    client.force_login(person.user)
    assert "没有未读消息。" in html(client.get("/"))


def test_the_home_page_query_count_does_not_grow_with_notices(
    client, person, django_assert_num_queries
):
    """More notices do not mean more SQL queries on the home page."""
    # given
    notices(person, 1)
    client.force_login(person.user)
    client.get("/")  # warm the session
    with CaptureQueriesContext(connection) as one_notice:
        client.get("/")
    # when
    notices(person, 8)
    # then
    with django_assert_num_queries(len(one_notice.captured_queries)):
        body = html(client.get("/"))
    assert "9 条未读" in body and body.count('class="notification ') == 5


# Marking read


def test_a_person_marks_a_notice_read_and_goes_back(client, person):
    """The button posts, the notice leaves the home page, the person is back where they were."""
    # given
    notice = NotificationFactory(person=person, text="请确认绑定")
    client.force_login(person.user)
    # when
    response = client.post(reverse("notification-read", args=[notice.pk]), {"next": "/"})
    # then
    assert response.status_code == 302 and response["Location"] == "/"
    notice.refresh_from_db()
    assert notice.read_at is not None
    assert "请确认绑定" not in html(client.get("/"))


def test_another_persons_notice_is_a_404_and_stays_unread(client, person):
    """Per-object: a person can only mark their own notices."""
    # given
    theirs = NotificationFactory()
    client.force_login(person.user)
    # when
    response = client.post(reverse("notification-read", args=[theirs.pk]))
    # then
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_marking_read_needs_a_post_with_the_csrf_token(person):
    """A GET changes nothing; a POST without the token is refused."""
    # given
    notice = NotificationFactory(person=person)
    client = Client(enforce_csrf_checks=True)
    client.force_login(person.user)
    url = reverse("notification-read", args=[notice.pk])
    # when
    got = client.get(url)
    forged = client.post(url)
    # then
    assert got.status_code == 405 and forged.status_code == 403
    notice.refresh_from_db()
    assert notice.read_at is None


def test_marking_all_read_leaves_other_owners_alone(client, employer_user):
    """ "All read" is the signed-in employer's notices only."""
    # given
    NotificationFactory.create_batch(3, person=None, employer=employer_user)
    someone_else = NotificationFactory()
    client.force_login(employer_user.user)
    # when
    response = client.post(reverse("notifications-read-all"), {"next": "/"})
    # then
    assert response.status_code == 302
    assert not Notification.objects.filter(employer=employer_user, read_at__isnull=True).exists()
    someone_else.refresh_from_db()
    assert someone_else.read_at is None


def test_the_return_address_stays_on_the_site(client, person):
    """A `next` pointing elsewhere is ignored: back to the list."""
    notice = NotificationFactory(person=person)
    client.force_login(person.user)
    response = client.post(
        reverse("notification-read", args=[notice.pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("notifications")


# The list


def test_the_list_pages_all_notices_newest_first(client, person):
    """Read and unread, 20 a page, newest first; codes never listed."""
    # given
    made = notices(person, 25)
    NotificationFactory(person=person, kind=Notification.Kind.CODE, text="验证码 654321")
    client.force_login(person.user)
    # when
    first = html(client.get(reverse("notifications")))
    second = html(client.get(reverse("notifications"), {"page": 2}))
    # then
    assert first.count('class="notification ') == 20 and second.count('class="notification ') == 5
    assert f'id="notification-{made[-1].pk}"' in first
    assert f'id="notification-{made[0].pk}"' in second
    assert "654321" not in first + second
    assert "25 条未读" in first


def test_the_list_is_for_persons_and_employers_only(client):
    """Staff and the signed-out have no notices here."""
    assert client.get(reverse("notifications")).status_code == 302
    client.force_login(StaffUserFactory())
    assert client.get(reverse("notifications")).status_code == 403
