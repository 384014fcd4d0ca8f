"""One audit path for the domain state changes of every service: who, what, before, after,
why. Set-based services write their rows in a few statements."""

import pytest

from accounts.models import AuditEvent
from accounts.services.audit import (
    AuditTrail,
    audit_event_build,
    audit_event_record,
    audit_events_record,
    audit_snapshot,
)
from tests.factories import InsuredPersonFactory, StaffUserFactory

pytestmark = pytest.mark.django_db


def test_one_row_says_who_what_before_after_and_why():
    staff, person = StaffUserFactory(), InsuredPersonFactory(phone="13800000001")
    event = audit_event_record(
        actor=staff,
        action="person.phone_set_by_staff",
        obj=person,
        before={"phone": "13800000001"},
        after={"phone": "13800000002"},
        reason="本人到窗口核实",
    )
    event.refresh_from_db()
    assert (event.actor, event.object_type, event.object_id) == (
        staff,
        "accounts.insuredperson",
        person.pk,
    )
    assert (event.before, event.after, event.reason) == (
        {"phone": "13800000001"},
        {"phone": "13800000002"},
        "本人到窗口核实",
    )
    assert event.created_at is not None


def test_many_rows_are_written_in_one_statement(django_assert_num_queries):
    # given
    staff = StaffUserFactory()
    persons = InsuredPersonFactory.create_batch(5)
    rows = [
        audit_event_build(
            actor=staff, action="batch.test", obj=p, before={"n": 0}, after={"n": p.pk}
        )
        for p in persons
    ]
    # when
    with django_assert_num_queries(1):
        audit_events_record(rows=rows)
    # then
    stored = AuditEvent.objects.filter(action="batch.test").order_by("object_id")
    assert [(e.object_id, e.after, e.actor_id) for e in stored] == [
        (p.pk, {"n": p.pk}, staff.pk) for p in sorted(persons, key=lambda p: p.pk)
    ]
    assert all(e.created_at for e in stored)


def test_a_trail_keeps_only_what_changed_and_skips_what_did_not():
    # given two persons of one action, one of which the action leaves as it was
    staff = StaffUserFactory()
    renamed, untouched = InsuredPersonFactory(name="李娜"), InsuredPersonFactory()
    trail = AuditTrail(actor=staff, action="test.rename", reason="核实")
    before = {p.pk: audit_snapshot(p, ["name", "phone"]) for p in (renamed, untouched)}
    # when
    renamed.name = "李那"
    for person in (renamed, untouched):
        trail.changed(person, before[person.pk])
    trail.record()
    # then
    event = AuditEvent.objects.get()
    assert (event.object_id, event.before, event.after, event.actor, event.reason) == (
        renamed.pk,
        {"name": "李娜"},
        {"name": "李那"},
        staff,
        "核实",
    )
