"""The core's pluggable sender: persons and employers, MESSAGE_SENDER or its older name."""

import pytest

from accounts.messaging import message_send_on_commit
from accounts.models import Notification
from tests.factories import EmployerFactory, InsuredPersonFactory

pytestmark = pytest.mark.django_db

received: list[dict] = []


class RecordingSender:
    """A stand-in SMS gateway, as a real sender plugged in by settings would be called."""

    def send(self, **message):
        received.append(message)


def test_message_sender_gets_person_and_employer_messages(
    settings, django_capture_on_commit_callbacks
):
    settings.MESSAGE_SENDER = "tests.accounts.test_messaging.RecordingSender"
    received.clear()
    person, employer = InsuredPersonFactory(), EmployerFactory()
    with django_capture_on_commit_callbacks(execute=True):
        message_send_on_commit(person=person, phone="13800000001", body="a", reference="r1")
        message_send_on_commit(employer=employer, phone="13800000002", body="b", reference="r2")
    assert received == [
        {"person": person, "phone": "13800000001", "body": "a", "reference": "r1"},
        {"employer": employer, "phone": "13800000002", "body": "b", "reference": "r2"},
    ]
    assert not Notification.objects.exists()


def test_the_default_sender_stores_employer_messages_in_the_outbox(
    django_capture_on_commit_callbacks,
):
    employer = EmployerFactory()
    with django_capture_on_commit_callbacks(execute=True):
        message_send_on_commit(employer=employer, phone="13800000002", body="b", reference="r")
    message = Notification.objects.get()
    assert (message.employer, message.person, message.phone) == (employer, None, "13800000002")
