"""Signed-in sessions end after 30 idle minutes for persons and employers (with a notice
before), 8 hours for staff (issue #9, item 11)."""

import datetime as dt

import pytest

from accounts.middleware import ACTIVITY_RESOLUTION_SECONDS, LAST_ACTIVITY_KEY
from tests.factories import EmployerFactory, StaffUserFactory, UserFactory

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 5, 4, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(START, tick=False)
    return time_machine


def signed_in(client, user):
    client.force_login(user)
    assert client.get("/").wsgi_request.user.is_authenticated
    return client


def test_a_person_idle_for_31_minutes_is_signed_out_and_told_why(client, person, clock):
    # given
    signed_in(client, person.user)
    # when
    clock.shift(dt.timedelta(minutes=31))
    response = client.get("/account/", follow=True)
    # then
    assert response.redirect_chain[0][1] == 302
    assert response.redirect_chain[0][0].startswith("/login/")
    assert not response.wsgi_request.user.is_authenticated
    assert "长时间未操作" in response.content.decode()


def test_activity_keeps_a_person_signed_in(client, person, clock):
    """The limit counts from the last request, not from the sign-in."""
    # given
    signed_in(client, person.user)
    # when
    for _i in range(3):
        clock.shift(dt.timedelta(minutes=29))
        response = client.get("/account/")
    # then
    assert response.status_code == 200


def test_an_employer_has_the_same_30_minutes(client, clock):
    # given
    employer = EmployerFactory(user=UserFactory(kind="EMPLOYER"))
    signed_in(client, employer.user)
    # when
    clock.shift(dt.timedelta(minutes=31))
    response = client.get("/employer/verification/")
    # then
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_staff_stay_signed_in_for_8_idle_hours_not_longer(client, clock):
    # given
    staff = StaffUserFactory()
    signed_in(client, staff)
    # when
    clock.shift(dt.timedelta(hours=7, minutes=59))
    within = client.get("/admin/")
    clock.shift(dt.timedelta(hours=8, minutes=1))
    after = client.get("/admin/")
    # then
    assert within.status_code == 200
    assert after.status_code == 302
    assert not after.wsgi_request.user.is_authenticated


def test_session_api_calls_end_with_the_session_too(client, person, clock):
    """Session-authenticated API calls count as activity and are refused once it expired."""
    # given
    signed_in(client, person.user)
    # when
    clock.shift(dt.timedelta(minutes=31))
    response = client.get("/api/v1/me/account/")
    # then
    assert response.status_code in (401, 403)
    assert set(response.json()) == {"detail", "errors"}


def test_portal_pages_carry_the_idle_notice_for_the_script(client, person):
    """The page tells static/js/portal.js the limit and the warning lead, and holds the
    hidden notice with its "stay signed in" form."""
    # given
    signed_in(client, person.user)
    # when
    body = client.get("/account/").content.decode()
    # then
    assert 'data-idle-seconds="1800" data-idle-warning-seconds="300"' in body
    assert 'id="idle-notice" method="post" action="/session/keep-alive/"' in body
    assert '<script src="/static/js/portal.js" defer></script>' in body


def test_the_notice_is_absent_for_anonymous_visitors(client):
    body = client.get("/").content.decode()
    assert "data-idle-seconds" not in body
    assert "idle-notice" not in body


def test_stay_signed_in_counts_as_activity(client, person, clock):
    """ "继续使用" on the notice at minute 26 gives another 30 minutes."""
    # given
    signed_in(client, person.user)
    clock.shift(dt.timedelta(minutes=26))
    # when
    kept = client.post("/session/keep-alive/")
    clock.shift(dt.timedelta(minutes=26))
    response = client.get("/account/")
    # then
    assert kept.status_code == 200
    assert kept.json() == {"idle_seconds": 1800}
    assert response.status_code == 200


def test_stay_signed_in_after_expiry_answers_401(client, person, clock):
    # given
    signed_in(client, person.user)
    clock.shift(dt.timedelta(minutes=31))
    # when
    response = client.post("/session/keep-alive/")
    # then
    assert response.status_code == 401
    assert set(response.json()) == {"detail", "errors"}


def test_activity_is_written_to_the_session_at_most_once_a_minute(client, person, clock):
    """Each write is a database UPDATE: requests within a minute of the recorded time leave
    the session alone; the next one after the minute records its time."""
    # given
    signed_in(client, person.user)
    recorded = client.session[LAST_ACTIVITY_KEY]
    # when
    clock.shift(dt.timedelta(seconds=59))
    client.get("/account/")
    within_the_minute = client.session[LAST_ACTIVITY_KEY]
    clock.shift(dt.timedelta(seconds=1))
    client.get("/account/")
    after_the_minute = client.session[LAST_ACTIVITY_KEY]
    # then
    assert within_the_minute == recorded
    assert after_the_minute == recorded + ACTIVITY_RESOLUTION_SECONDS
