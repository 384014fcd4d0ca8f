"""Family binding (近亲属): one side asks, the other (or a minor's guardian) confirms."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.errors import BusinessRuleViolation
from enrollment.models import Enrollment, EnrollmentStatus, Scheme
from enrollment.services.duplicates import duplicates_resolve
from tests.factories import EmployerFactory, EnrollmentFactory
from tests.wallet.factories import (
    OTHER_REGION,
    WALLET_REGION,
    bind,
    family_pair,
    insured_person,
    last_code,
    region,
)
from wallet.models import FamilyBinding, Relation, WalletTransfer
from wallet.selectors import family_bindings_for_person, family_bindings_to_confirm
from wallet.services import family, rows, transfers
from wallet.services.transfers import checks

pytestmark = pytest.mark.django_db
Status = FamilyBinding.Status


def request(requester, member, relation=Relation.SPOUSE, name=None):
    return family.family_binding_request(
        requester=requester,
        national_id=member.national_id,
        name=name or member.name,
        relation=relation,
    )


def test_a_binding_waits_for_the_other_side_and_is_listed_on_both_sides():
    # given
    mother, son = insured_person(), insured_person()
    # when: the mother asks
    binding = request(mother, son, Relation.CHILD)
    # then: it is pending, seen by both, and the son sees her as his parent
    assert binding.status == Status.PENDING
    assert list(family_bindings_for_person(person=mother)) == [binding]
    assert list(family_bindings_for_person(person=son)) == [binding]
    assert binding.relation_seen_by(mother.pk) == "子女"
    assert binding.relation_seen_by(son.pk) == "父母"
    # when: the son confirms
    family.family_binding_confirm(binding_id=binding.pk, by=son)
    binding.refresh_from_db()
    assert binding.status == Status.CONFIRMED and binding.confirmed_by == son


def test_the_requester_cannot_confirm_their_own_request():
    a, b = insured_person(), insured_person()
    binding = request(a, b)
    with pytest.raises(BusinessRuleViolation) as caught:
        family.family_binding_confirm(binding_id=binding.pk, by=a)
    assert caught.value.status_code == 403


def test_a_stranger_cannot_see_confirm_or_end_a_binding():
    a, b, stranger = insured_person(), insured_person(), insured_person()
    binding = request(a, b)
    for service in (family.family_binding_confirm, family.family_binding_end):
        with pytest.raises(BusinessRuleViolation) as caught:
            service(binding_id=binding.pk, by=stranger)
        assert caught.value.status_code == 404


@pytest.mark.parametrize("relation", [r.value for r in Relation])
def test_every_close_relation_may_be_bound(relation):
    a, b = insured_person(), insured_person()
    assert request(a, b, relation).relation == relation


def test_other_relations_are_refused():
    a, b = insured_person(), insured_person()
    with pytest.raises(BusinessRuleViolation) as caught:
        request(a, b, "COUSIN")
    assert caught.value.field == "relation"


def test_the_name_must_match_and_nobody_learns_who_is_insured():
    a, b = insured_person(), insured_person()
    with pytest.raises(BusinessRuleViolation) as wrong_name:
        request(a, b, name="别人")
    with pytest.raises(BusinessRuleViolation) as unknown:
        family.family_binding_request(
            requester=a, national_id="11010519491231002X", name="张三", relation="SPOUSE"
        )
    assert wrong_name.value.message == unknown.value.message
    assert wrong_name.value.status_code == 404


def test_one_cannot_bind_oneself_or_the_same_person_twice():
    a, b = insured_person(), insured_person()
    with pytest.raises(BusinessRuleViolation, match="本人"):
        request(a, a)
    request(a, b)
    with pytest.raises(BusinessRuleViolation, match="已有绑定"):
        request(b, a)  # the other direction is the same pair


def test_either_side_ends_a_binding_and_it_can_then_be_asked_again():
    a, b = insured_person(), insured_person()
    binding = bind(a, b)
    family.family_binding_end(binding_id=binding.pk, by=b)
    binding.refresh_from_db()
    assert binding.status == Status.ENDED and binding.ended_by == b
    assert request(a, b).status == Status.PENDING


def test_a_minors_guardian_confirms_for_the_minor(settings, tmp_path):
    """A child's binding to a grandparent is confirmed by the child's staff-approved guardian."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories import StaffUserFactory

    settings.MEDIA_ROOT = tmp_path
    parent = insured_person()
    child = insured_person(scheme=Scheme.RESIDENT, birth=dt.date(2015, 6, 1), with_user=False)
    grandmother = insured_person()
    # given: the parent's binding to the child, approved by Taiyuan staff on evidence
    guardianship = family.family_binding_request(
        requester=parent,
        national_id=child.national_id,
        name=child.name,
        relation=Relation.CHILD,
        evidence=SimpleUploadedFile("出生医学证明.pdf", b"%PDF-1.4\n%%EOF\n"),
    )
    family.guardian_review_approve(
        review_id=guardianship.guardian_review.pk,
        by=StaffUserFactory(regions=[WALLET_REGION], permissions=["wallet.change_guardianreview"]),
    )
    # when: the grandmother asks to bind the child
    binding = request(grandmother, child, Relation.GRANDCHILD)
    # then: the parent sees it to confirm and may confirm it
    assert list(family_bindings_to_confirm(person=parent)) == [binding]
    family.family_binding_confirm(binding_id=binding.pk, by=parent)
    binding.refresh_from_db()
    assert binding.status == Status.CONFIRMED and binding.confirmed_by == parent


def test_an_adults_parent_cannot_confirm_for_them():
    parent, adult_child, other = insured_person(), insured_person(), insured_person()
    bind(parent, adult_child, Relation.CHILD)
    binding = request(other, adult_child, Relation.SIBLING)
    assert binding not in family_bindings_to_confirm(person=parent)
    with pytest.raises(BusinessRuleViolation) as caught:
        family.family_binding_confirm(binding_id=binding.pk, by=parent)
    assert caught.value.status_code == 404


def test_a_person_without_an_enrollment_cannot_bind():
    from tests.factories import InsuredPersonFactory

    a = insured_person()
    nobody = InsuredPersonFactory()
    with pytest.raises(BusinessRuleViolation, match="没有有效的参保登记"):
        request(a, nobody)


# --- ending by itself -----------------------------------------------------------------------


def test_the_binding_ends_when_a_sides_enrollment_stops(django_capture_on_commit_callbacks):
    a, b = insured_person(), insured_person()
    binding = bind(a, b)
    enrollment = b.enrollments.get()
    # when: b's enrollment stops (停保), saved one by one as staff would
    with django_capture_on_commit_callbacks(execute=True):
        enrollment.status = EnrollmentStatus.STOPPED
        enrollment.save()
    # then
    binding.refresh_from_db()
    assert binding.status == Status.ENDED
    assert "终止或转移" in binding.end_reason


def test_the_binding_ends_when_a_side_moves_to_another_region():
    a, b = insured_person(), insured_person()
    binding = bind(a, b)
    # when: b is now insured in another region (the nightly job, as after a bulk feed)
    b.enrollments.update(status=EnrollmentStatus.STOPPED)
    EnrollmentFactory(person=b, region=region(OTHER_REGION), scheme=Scheme.EMPLOYEE)
    assert family.family_bindings_end_stale() == 1
    binding.refresh_from_db()
    assert binding.status == Status.ENDED


def test_a_feed_that_moves_a_side_ends_the_binding_right_after_its_commit(
    service_client, django_capture_on_commit_callbacks
):
    a, b = insured_person(), insured_person()
    binding = bind(a, b)
    employee = b.enrollments.get()
    moved = {
        "national_id": b.national_id,
        "name": b.name,
        "phone": b.phone,
        "retired": False,
        "enrollments": [
            {
                "region": WALLET_REGION,
                "scheme": "EMPLOYEE",
                "employer_code": employee.employer.code,
                "status": "STOPPED",
                "registered_at": "2020-03-01",
            },
            {
                "region": OTHER_REGION,
                "scheme": "RESIDENT",
                "status": "ACTIVE",
                "registered_at": "2026-11-01",
            },
        ],
    }
    # when: the bulk feed (no per-record save) moves b to 大同
    with django_capture_on_commit_callbacks(execute=True):
        response = service_client.post("/api/v1/feed/persons/", {"persons": [moved]}, format="json")
    # then: no need to wait for the nightly job
    assert response.status_code == 200, response.json()
    binding.refresh_from_db()
    assert binding.status == Status.ENDED


def test_a_resolution_run_that_suspends_a_side_ends_the_binding(
    django_capture_on_commit_callbacks,
):
    a, b = insured_person(), insured_person(scheme=Scheme.RESIDENT)
    binding = bind(a, b)
    # given: b also became an employee in 大同 through a bulk load (no signal)
    Enrollment.objects.bulk_create(
        [
            Enrollment(
                person=b,
                region=region(OTHER_REGION),
                scheme=Scheme.EMPLOYEE,
                employer=EmployerFactory(region=region(OTHER_REGION)),
                status=EnrollmentStatus.ACTIVE,
                registered_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
                last_paid_at=dt.datetime(2026, 11, 5, tzinfo=dt.UTC),
            )
        ]
    )
    # when: 就高就新 keeps the employee record and suspends the resident one in 太原
    with django_capture_on_commit_callbacks(execute=True):
        duplicates_resolve(triggered_by="test")
    # then
    binding.refresh_from_db()
    assert binding.status == Status.ENDED


def test_a_second_enrollment_in_the_same_region_does_not_end_it():
    a, b = insured_person(), insured_person()
    binding = bind(a, b)
    EnrollmentFactory(person=b, region=b.enrollments.get().region, scheme=Scheme.RESIDENT)
    assert family.family_bindings_end_stale() == 0
    binding.refresh_from_db()
    assert binding.status == Status.CONFIRMED


def test_a_stale_binding_is_ended_at_the_next_transfer(on_commit):
    sender, recipient, binding = family_pair()
    recipient.enrollments.update(status=EnrollmentStatus.STOPPED)
    with pytest.raises(BusinessRuleViolation, match="自动解除"), on_commit():
        transfers.wallet_transfer_create(
            sender=sender, to_national_id=recipient.national_id, amount="1.00", idempotency_key="k"
        )
    binding.refresh_from_db()
    assert binding.status == Status.ENDED


def test_the_transfer_check_refuses_a_stale_binding_without_ending_it():
    """Checks only read: ending the binding is the request's own step, not the check's."""
    sender, recipient, binding = family_pair()
    recipient.enrollments.update(status=EnrollmentStatus.STOPPED)
    facts = rows.new_transfer_facts(
        sender_id=sender.pk, national_id=recipient.national_id, key="k", day=timezone.localdate()
    )
    with pytest.raises(checks.BindingOutlived) as caught:
        checks.new_transfer_check(sender=sender, facts=facts, amount="1.00", now=timezone.now())
    assert caught.value.rule == "not_family" and caught.value.status_code == 422
    binding.refresh_from_db()
    assert binding.status == Status.CONFIRMED


def test_ending_a_binding_returns_unaccepted_and_cancels_unconfirmed_transfers(on_commit):
    sender, recipient, binding = family_pair()
    with on_commit():
        sent = transfers.wallet_transfer_create(
            sender=sender, to_national_id=recipient.national_id, amount="5.00", idempotency_key="1"
        )
    transfers.wallet_transfer_confirm(transfer_id=sent.pk, sender=sender, code=last_code(sender))
    # when: the binding ends while the money waits for acceptance
    family.family_binding_end(binding_id=binding.pk, by=recipient)
    sent.refresh_from_db()
    assert sent.status == WalletTransfer.Status.RETURNED
    assert sent.finish_reason == "家庭成员绑定已解除"
