"""A person changes their phone only with a code sent to the OLD phone; the old phone is told."""

import pytest
from django.urls import reverse

from accounts.models import AuditEvent, Notification
from tests.accounts.messages import last_code, last_message, wrong_code
from tests.factories import InsuredPersonFactory

pytestmark = pytest.mark.django_db

OLD, NEW = "13800001111", "13900002222"


@pytest.fixture
def person(db):
    return InsuredPersonFactory(with_user=True, phone=OLD)


@pytest.fixture
def post(person_client, django_capture_on_commit_callbacks):
    def send(url, data):
        with django_capture_on_commit_callbacks(execute=True):
            return person_client.post(url, data, format="json")

    return send


def test_the_code_goes_to_the_old_phone_and_the_new_phone_is_set_after_it(post, person):
    """Step 1 sends the code to the phone on file, not to the new one; step 2 sets the new
    phone, stamps the change (wallet transfers out wait 24 hours) and notifies the old phone."""
    # when
    requested = post("/api/v1/me/phone/", {"phone": NEW})
    code_message = last_message(person=person)
    person.refresh_from_db()
    unchanged = person.phone
    confirmed = post("/api/v1/me/phone/confirm/", {"code": last_code(person=person)})
    # then
    assert requested.status_code == 202
    assert code_message.phone == OLD and not Notification.objects.filter(phone=NEW).exists()
    assert unchanged == OLD
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "CHANGED"
    person.refresh_from_db()
    assert person.phone == NEW and person.phone_changed_at is not None
    notice = last_message(person=person)
    assert notice.phone == OLD and "变更" in notice.text and "验证码" not in notice.text
    event = AuditEvent.objects.get(object_id=person.pk, action="phone_change")
    assert (event.before, event.after, event.actor) == ({"phone": OLD}, {"phone": NEW}, person.user)


def test_a_wrong_code_changes_nothing_and_tries_are_limited(post, person):
    post("/api/v1/me/phone/", {"phone": NEW})
    code = last_code(person=person)
    answers = [post("/api/v1/me/phone/confirm/", {"code": wrong_code(code)}) for _ in range(5)]
    late = post("/api/v1/me/phone/confirm/", {"code": code})
    assert {a.status_code for a in answers} == {400} and late.status_code == 400
    person.refresh_from_db()
    assert person.phone == OLD and person.phone_changed_at is None


def test_without_a_phone_on_file_the_change_is_for_the_service_counter(person_client, person):
    person.phone = ""
    person.save()
    response = person_client.post("/api/v1/me/phone/", {"phone": NEW}, format="json")
    assert response.status_code == 409
    assert "经办窗口" in response.json()["errors"]["phone"][0]


def test_the_portal_pages_change_the_phone_with_the_old_phones_code(
    client, person, django_capture_on_commit_callbacks
):
    client.force_login(person.user)
    with django_capture_on_commit_callbacks(execute=True):
        step1 = client.post(reverse("phone-change"), {"phone": NEW})
    assert step1["Location"] == reverse("phone-change-confirm")
    assert "138****1111" in client.get(step1["Location"]).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        step2 = client.post(reverse("phone-change-confirm"), {"code": last_code(person=person)})
    assert step2["Location"] == reverse("home")
    person.refresh_from_db()
    assert person.phone == NEW
    assert last_message(person=person).phone == OLD
