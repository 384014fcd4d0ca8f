"""实名注册 with a code to the phone on file (API.md, Auth): nobody can take over an account."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction

from accounts.models import Notification, PendingVerification, User
from accounts.services import registration
from accounts.services.verification import MAX_ATTEMPTS, MAX_CODES_PER_DAY
from tests.accounts.messages import last_code, last_message, wrong_code
from tests.factories import TEST_PASSWORD, EmployerFactory, InsuredPersonFactory

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register/"
CONFIRM = "/api/v1/auth/register/confirm/"
TOKEN = "/api/v1/auth/token/"
PASSWORD = "Qiang-mima-2026"
ATTACKER_PHONE = "13999999999"


@pytest.fixture
def post(api_client, django_capture_on_commit_callbacks):
    """POST as JSON; on-commit work (sending codes) runs as a real commit would."""

    def send(url, data):
        with django_capture_on_commit_callbacks(execute=True):
            return api_client.post(url, data, format="json")

    return send


def register(post, person, *, name=None, password=PASSWORD, **extra):
    data = {"national_id": person.national_id, "name": name or person.name, "password": password}
    return post(REGISTER, {**data, **extra})


def test_a_takeover_attempt_sends_the_code_only_to_the_phone_on_file(post):
    """Whoever registers, the code goes to the phone the source system gave; a typed phone is
    ignored and the stored phone stays."""
    # given
    person = InsuredPersonFactory(phone="13800001111")
    # when
    response = register(post, person, phone=ATTACKER_PHONE)
    # then
    assert response.status_code == 202
    assert response.json() == {"status": "CODE_SENT"}
    assert not Notification.objects.filter(phone=ATTACKER_PHONE).exists()
    assert last_message(person=person).phone == "13800001111"
    person.refresh_from_db()
    assert person.phone == "13800001111"
    assert person.user_id is None  # nothing exists until the code comes back


def test_a_registered_person_is_not_overwritten_and_gets_no_code(post, api_client):
    """Registering again with someone's ID and name changes nothing of their login."""
    # given
    person = InsuredPersonFactory(with_user=True, phone="13800001111")
    user_before = person.user
    # when
    response = register(post, person, phone=ATTACKER_PHONE, password=PASSWORD)
    # then
    assert response.status_code == 202
    assert Notification.objects.count() == 0
    person.refresh_from_db()
    assert person.user_id == user_before.pk and person.phone == "13800001111"
    signed_in = api_client.post(
        TOKEN, {"username": person.national_id, "password": TEST_PASSWORD}, format="json"
    )
    assert signed_in.status_code == 200


def test_the_answer_does_not_tell_whether_id_and_name_match(post):
    """Match, wrong name, unknown ID, already registered, no phone on file: the same status and
    body, and only the match gets a code."""
    # given
    match = InsuredPersonFactory()
    wrong_name = InsuredPersonFactory()
    registered = InsuredPersonFactory(with_user=True)
    no_phone = InsuredPersonFactory(phone="")
    unknown = {"national_id": "11010519491231002X", "name": "李四", "password": PASSWORD}
    # when
    answers = [
        register(post, match),
        register(post, wrong_name, name="别人"),
        post(REGISTER, unknown),
        register(post, registered),
        register(post, no_phone),
    ]
    # then
    assert {(a.status_code, a.content) for a in answers} == {(202, b'{"status":"CODE_SENT"}')}
    assert list(Notification.objects.values_list("person", flat=True)) == [match.pk]


def test_with_no_phone_on_file_no_code_is_sent_and_the_counter_is_named(post, client):
    """No phone, no code: the registrant is told to register at a service counter."""
    # given
    person = InsuredPersonFactory(phone="")
    # when
    response = register(post, person)
    refused = post(CONFIRM, {"national_id": person.national_id, "code": "123456"})
    # then
    assert response.status_code == 202
    assert Notification.objects.count() == 0
    assert not PendingVerification.objects.exists()
    assert refused.status_code == 400
    assert "经办窗口" in refused.json()["detail"]
    assert "经办窗口" in str(registration.NO_CODE_HINT)


def test_sign_in_works_only_after_the_code_is_confirmed(post, api_client):
    """Step 1 creates no login; the right code creates it with the password of step 1, and
    the phone on file is told."""
    # given
    person = InsuredPersonFactory()
    register(post, person)
    credentials = {"username": person.national_id, "password": PASSWORD}
    # when
    before = api_client.post(TOKEN, credentials, format="json")
    confirmed = post(CONFIRM, {"national_id": person.national_id, "code": last_code(person=person)})
    after = api_client.post(TOKEN, credentials, format="json")
    # then
    assert before.status_code == 400
    assert confirmed.status_code == 201
    assert confirmed.json() == {"username": person.national_id, "kind": User.Kind.PERSON}
    assert after.status_code == 200
    person.refresh_from_db()
    assert person.user.username == person.national_id and person.user.first_name == person.name
    assert "已完成实名注册" in last_message(person=person).text  # the phone on file is told


def test_wrong_codes_are_limited_and_refused_with_one_message(post):
    """After the allowed wrong tries even the right code is refused; every refusal reads alike."""
    # given
    person = InsuredPersonFactory()
    register(post, person)
    code = last_code(person=person)
    # when
    wrong = [
        post(CONFIRM, {"national_id": person.national_id, "code": wrong_code(code)})
        for _try in range(MAX_ATTEMPTS)
    ]
    right_too_late = post(CONFIRM, {"national_id": person.national_id, "code": code})
    unknown = post(CONFIRM, {"national_id": "11010519491231002X", "code": code})
    # then
    assert {r.status_code for r in wrong} == {400}
    assert right_too_late.status_code == 400
    assert right_too_late.json() == wrong[0].json() == unknown.json()
    assert list(right_too_late.json()["errors"]) == ["code"]
    person.refresh_from_db()
    assert person.user_id is None


def test_an_expired_code_is_refused(post):
    """A code lives 10 minutes."""
    person = InsuredPersonFactory()
    register(post, person)
    with time_machine.travel(dt.timedelta(minutes=11)):
        response = post(
            CONFIRM, {"national_id": person.national_id, "code": last_code(person=person)}
        )
    assert response.status_code == 400
    assert not User.objects.filter(username=person.national_id).exists()


def test_a_new_request_replaces_the_older_one(post, api_client):
    """The older code stops working; the newer code with the newer password confirms."""
    # given
    person = InsuredPersonFactory()
    register(post, person, password="Diyi-mima-2026")
    first = last_code(person=person)
    register(post, person, password=PASSWORD)
    second = last_code(person=person)
    # when
    old = post(CONFIRM, {"national_id": person.national_id, "code": first})
    new = post(CONFIRM, {"national_id": person.national_id, "code": second, "password": PASSWORD})
    # then
    assert (first == second) or old.status_code == 400
    assert new.status_code == 201
    assert PendingVerification.objects.count() == 1
    credentials = {"username": person.national_id, "password": PASSWORD}
    assert api_client.post(TOKEN, credentials, format="json").status_code == 200


def test_a_code_sent_for_someone_elses_request_cannot_set_their_password(post, api_client):
    """The person asks, an attacker asks again with the person's ID and name while the code is
    live: the latest code, typed by the person, confirms nothing without the password of that
    request, so the attacker's password never becomes the person's."""
    # given the person's request, then the attacker's
    person = InsuredPersonFactory()
    register(post, person, password=PASSWORD)
    register(post, person, password="Gongji-mima-2026")
    latest = last_code(person=person)
    # when the person types the code they just got, alone or with their own password
    alone = post(CONFIRM, {"national_id": person.national_id, "code": latest})
    with_own = post(
        CONFIRM, {"national_id": person.national_id, "code": latest, "password": PASSWORD}
    )
    # then nothing is created and the answer is the one for every refusal
    assert alone.status_code == with_own.status_code == 400
    assert alone.json() == with_own.json()
    person.refresh_from_db()
    assert person.user_id is None
    attacker = {"username": person.national_id, "password": "Gongji-mima-2026"}
    assert api_client.post(TOKEN, attacker, format="json").status_code == 400


def test_a_request_after_the_code_expired_is_confirmed_by_the_code_alone(post):
    """Asking again once the earlier code has lapsed is no contest: the code suffices."""
    # given a request whose code expired
    person = InsuredPersonFactory()
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        register(post, person, password="Diyi-mima-2026")
    with time_machine.travel(start + dt.timedelta(minutes=11), tick=False):
        register(post, person, password=PASSWORD)
        # when
        response = post(
            CONFIRM, {"national_id": person.national_id, "code": last_code(person=person)}
        )
    # then
    assert response.status_code == 201


def test_codes_per_person_and_day_are_capped(post):
    """Asking again and again does not give endless codes (and guesses)."""
    person = InsuredPersonFactory()
    for _request in range(MAX_CODES_PER_DAY + 2):
        assert register(post, person).status_code == 202
    assert Notification.objects.filter(person=person).count() == MAX_CODES_PER_DAY
    with time_machine.travel(dt.timedelta(days=1, minutes=1)):
        register(post, person)
    assert Notification.objects.filter(person=person).count() == MAX_CODES_PER_DAY + 1


def test_a_weak_password_is_refused_on_the_password_field_for_anyone(post):
    """The password check names the password and nothing else, known person or not."""
    person = InsuredPersonFactory()
    known = register(post, person, password="12345678")
    unknown = post(
        REGISTER, {"national_id": "11010519491231002X", "name": "李四", "password": "12345678"}
    )
    assert known.status_code == unknown.status_code == 400
    assert known.json() == unknown.json()
    assert list(known.json()["errors"]) == ["password"]
    assert Notification.objects.count() == 0


def test_an_employer_registers_with_a_code_to_the_feed_phone(post, service_client, api_client):
    """The employer feed gives the contact phone; the code goes there; then the employer signs in."""
    # given
    employer = EmployerFactory(name="西安示例科技有限公司")
    fed = service_client.post(
        "/api/v1/feed/employers/",
        {
            "employers": [
                {
                    "code": employer.code,
                    "name": employer.name,
                    "region": "610100",
                    "phone": "13700002222",
                }
            ]
        },
        format="json",
    )
    assert fed.status_code == 200, fed.json()
    data = {"employer_code": employer.code, "name": employer.name, "password": PASSWORD}
    # when
    requested = post(REGISTER, {**data, "phone": ATTACKER_PHONE})
    message = last_message(employer=employer)
    confirmed = post(
        CONFIRM, {"employer_code": employer.code, "code": last_code(employer=employer)}
    )
    # then
    assert requested.status_code == 202 and requested.json() == {"status": "CODE_SENT"}
    assert message.phone == "13700002222"
    assert confirmed.status_code == 201
    assert confirmed.json()["kind"] == User.Kind.EMPLOYER
    token = api_client.post(TOKEN, {"username": employer.code, "password": PASSWORD}, format="json")
    assert token.status_code == 200


def test_an_employer_without_a_phone_or_with_a_wrong_name_gets_no_code(post):
    no_phone = EmployerFactory(contact_phone="")
    wrong_name = EmployerFactory(contact_phone="13700002222")
    answers = [
        post(REGISTER, {"employer_code": e.code, "name": name, "password": PASSWORD})
        for e, name in ((no_phone, no_phone.name), (wrong_name, "别的单位"))
    ]
    assert {(a.status_code, a.content) for a in answers} == {(202, b'{"status":"CODE_SENT"}')}
    assert Notification.objects.count() == 0


def test_the_outbox_command_shows_employer_messages(post):
    """`outbox --to EMPLOYER_CODE` lists the employer's messages, not persons'."""
    employer = EmployerFactory(contact_phone="13700002222")
    person = InsuredPersonFactory()
    post(REGISTER, {"employer_code": employer.code, "name": employer.name, "password": PASSWORD})
    register(post, person)
    out = io.StringIO()
    call_command("outbox", "--to", employer.code, stdout=out)
    shown = out.getvalue()
    assert employer.code in shown and last_code(employer=employer) in shown
    assert last_code(person=person) not in shown
    everything = io.StringIO()
    call_command("outbox", stdout=everything)
    assert everything.getvalue().count("注册验证码") == 2


def test_the_code_is_sent_after_the_commit_and_never_on_rollback(
    django_capture_on_commit_callbacks,
):
    """A registration that rolls back sends nothing; one that commits sends once."""
    person = InsuredPersonFactory()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        registration.person_registration_request(
            national_id=person.national_id, name=person.name, password=PASSWORD
        )
        raise RuntimeError("rolled back")
    assert callbacks == [] and Notification.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        registration.person_registration_request(
            national_id=person.national_id, name=person.name, password=PASSWORD
        )
    assert len(callbacks) == 1 and Notification.objects.count() == 0
    callbacks[0]()
    assert Notification.objects.filter(person=person).count() == 1
