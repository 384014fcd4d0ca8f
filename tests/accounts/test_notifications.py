"""Notices to a person or an employer: recorded with the work, sent after its commit, never
on rollback; one-time codes stay SMS only; each owner reads and marks only their own."""

import importlib
import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import transaction

from accounts.models import Notification
from accounts.services import identity
from accounts.services.notifications import (
    notification_mark_read,
    notification_send,
    notifications_mark_all_read,
)
from tests.accounts.factories import NotificationFactory
from tests.factories import EmployerFactory, InsuredPersonFactory, StaffUserFactory

received: list[dict] = []


class RecordingSender:
    """A stand-in SMS gateway, as a real sender plugged in by settings would be called."""

    def send(self, **message):
        received.append(message)


@pytest.fixture
def gateway(settings):
    settings.MESSAGE_SENDER = "tests.accounts.test_notifications.RecordingSender"
    received.clear()
    return received


def outbox(*args) -> str:
    out = io.StringIO()
    call_command("outbox", *args, stdout=out)
    return out.getvalue()


def notify(owner, **kwargs) -> Notification:
    return notification_send(
        recipient=owner,
        kind=kwargs.pop("kind", Notification.Kind.WALLET),
        text=kwargs.pop("text", "【医保钱包】您收到一笔转账。"),
        **kwargs,
    )


# Sent after the commit


@pytest.mark.django_db
def test_a_notice_is_recorded_at_once_and_sent_only_after_the_commit(
    gateway, django_capture_on_commit_callbacks
):
    """The notice is part of the caller's work; the SMS waits for the commit."""
    # given
    person = InsuredPersonFactory(phone="13800001234")
    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notification = notify(person, reference="T1", link="/wallet/transfers/")
    # then
    assert Notification.objects.get() == notification and gateway == []
    # when the transaction commits
    for callback in callbacks:
        callback()
    # then
    assert gateway == [
        {
            "person": person,
            "phone": "13800001234",
            "body": "【医保钱包】您收到一笔转账。",
            "reference": "T1",
        }
    ]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_nothing_is_recorded_or_sent_when_the_transaction_rolls_back(gateway):
    """Work that rolls back tells nobody anything: no notice, no SMS."""
    # given
    person, employer = InsuredPersonFactory(), EmployerFactory(contact_phone="13900000001")
    # when
    with pytest.raises(RuntimeError), transaction.atomic():
        notify(person)
        notify(employer)
        raise RuntimeError("rolled back")
    # then
    assert not Notification.objects.exists()
    assert gateway == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_committed_notice_is_sent_once_to_a_person_and_to_an_employer(gateway):
    """After a real commit, each recipient's phone on file gets the notice once."""
    # given
    person = InsuredPersonFactory(phone="13800001234")
    employer = EmployerFactory(contact_phone="13900000001")
    # when
    with transaction.atomic():
        notify(person, text="甲")
        notify(employer, text="乙", kind=Notification.Kind.REFUND)
    # then
    assert [(m.get("person"), m.get("employer"), m["phone"], m["body"]) for m in gateway] == [
        (person, None, "13800001234", "甲"),
        (None, employer, "13900000001", "乙"),
    ]
    assert Notification.objects.count() == 2


@pytest.mark.django_db
def test_the_default_sender_shows_a_notice_in_the_outbox_once(
    django_capture_on_commit_callbacks,
):
    """The outbox is the SMS stand-in: a sent notice appears there, as the row itself."""
    # given
    person = InsuredPersonFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify(person, text="【医保钱包】对方已接收。")
    assert outbox() == "outbox is empty\n"  # not sent yet
    # when
    for callback in callbacks:
        callback()
    # then
    shown = outbox("--to", person.national_id)
    assert shown.count("对方已接收") == 1
    assert Notification.objects.get().in_outbox


class BrokenGateway:
    def send(self, **message):
        raise ConnectionError("gateway down")


@pytest.mark.django_db
def test_a_gateway_error_after_the_commit_leaves_the_notice_and_reaches_no_caller(
    settings, django_capture_on_commit_callbacks, caplog
):
    """The work is committed: an SMS that cannot go out is logged, the notice stays."""
    # given
    settings.MESSAGE_SENDER = "tests.accounts.test_notifications.BrokenGateway"
    person = InsuredPersonFactory()
    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notify(person)
    # then
    assert len(callbacks) == 1 and "gateway down" in caplog.text
    assert Notification.objects.filter(person=person).exists()


@pytest.mark.django_db
def test_without_a_phone_on_file_the_notice_is_only_shown_on_the_portal(
    gateway, django_capture_on_commit_callbacks
):
    """No phone, no SMS; the notice still waits on the portal."""
    # given
    person = InsuredPersonFactory(phone="")
    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notify(person)
    # then
    assert callbacks == [] and gateway == []
    assert Notification.objects.get(person=person).read_at is None


@pytest.mark.django_db
def test_an_explicit_phone_overrides_the_phone_on_file(gateway, django_capture_on_commit_callbacks):
    """A phone change is told to the old phone, not the new one on file."""
    # given
    person = InsuredPersonFactory(phone="13800000002")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        notify(person, phone="13800000001")
    # then
    assert [m["phone"] for m in gateway] == ["13800000001"]


@pytest.mark.django_db
def test_codes_are_not_recorded_as_notices_and_links_stay_in_the_portal():
    """One-time codes go by SMS only (never kept for a real gateway); a link is a portal path."""
    person = InsuredPersonFactory()
    with pytest.raises(ValueError):
        notify(person, kind=Notification.Kind.CODE)
    for link in ("https://example.com/", "//example.com/", "javascript:alert(1)"):
        with pytest.raises(ValueError):
            notify(person, link=link)
    assert not Notification.objects.exists()


# The existing notices go through it


@pytest.mark.django_db
def test_a_phone_set_by_staff_leaves_an_unread_account_notice_on_the_portal(
    django_capture_on_commit_callbacks,
):
    """Identity changes by staff reach the person's portal as well as the old phone."""
    # given
    person = InsuredPersonFactory(phone="13800001111")
    staff = StaffUserFactory(is_superuser=True)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        identity.person_phone_set_by_staff(
            person=person, phone="13800002222", actor=staff, reason="窗口核验"
        )
    # then
    notice = Notification.objects.get(person=person)
    assert notice.kind == Notification.Kind.ACCOUNT and notice.read_at is None
    assert notice.phone == "13800001111" and notice.in_outbox


# Marking read


@pytest.mark.django_db
def test_an_owner_marks_only_their_own_notice_read():
    """Another's notice, or a code, cannot be marked: as if it did not exist."""
    # given
    mine = NotificationFactory()
    theirs = NotificationFactory()
    code = NotificationFactory(person=mine.person, kind=Notification.Kind.CODE)
    # when
    first = notification_mark_read(owner=mine.person, notification_id=mine.pk)
    again = notification_mark_read(owner=mine.person, notification_id=mine.pk)
    # then
    assert (first, again) == (True, False)
    for other in (theirs, code):
        with pytest.raises(Notification.DoesNotExist):
            notification_mark_read(owner=mine.person, notification_id=other.pk)
    mine.refresh_from_db(), theirs.refresh_from_db(), code.refresh_from_db()
    assert mine.read_at is not None and theirs.read_at is None and code.read_at is None


@pytest.mark.django_db
def test_marking_all_read_touches_only_the_owners_unread_notices():
    """An employer's "all read" leaves persons' and other employers' notices unread."""
    # given
    employer = EmployerFactory()
    NotificationFactory.create_batch(2, person=None, employer=employer)
    other_employer = NotificationFactory(person=None, employer=EmployerFactory())
    person_notice = NotificationFactory()
    # when
    marked = notifications_mark_all_read(owner=employer)
    # then
    assert marked == 2
    assert not Notification.objects.filter(employer=employer, read_at__isnull=True).exists()
    assert (
        Notification.objects.filter(
            pk__in=[other_employer.pk, person_notice.pk], read_at__isnull=True
        ).count()
        == 2
    )


@pytest.mark.django_db
def test_outbox_rows_from_before_stay_in_the_outbox_and_old_notices_become_account_notices():
    """The migration keeps the outbox's data: every old row was stored by the default sender;
    the phone-change and registration notices show on the portal, the codes do not."""
    # given: rows as the outbox held them (no kind, not marked)
    person = InsuredPersonFactory()
    rows = {
        reference: Notification.objects.create(person=person, text=reference, reference=reference)
        for reference in ("phone-changed", "registered", "register", "WT-1")
    }
    # when
    migration = importlib.import_module("accounts.migrations.0020_outbox_becomes_notification")
    migration.classify_existing(apps, None)
    # then
    kinds = dict(Notification.objects.values_list("reference", "kind"))
    assert kinds == {
        "phone-changed": "ACCOUNT",
        "registered": "ACCOUNT",
        "register": "CODE",
        "WT-1": "CODE",
    }
    assert Notification.objects.filter(in_outbox=True).count() == len(rows)
