"""Minors and guardians: a minor never confirms or ends a binding; a parent's first binding to a
minor child waits for staff of the child's region with evidence; only a confirmed guardian
acts for the minor (confirms further bindings, opens the wallet)."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from accounts.errors import BusinessRuleViolation
from accounts.models import AuditEvent, InsuredPerson
from tests.factories import StaffUserFactory
from tests.wallet.conftest import shanghai
from tests.wallet.factories import (
    OTHER_REGION,
    PDF,
    REVIEW_PERMISSIONS,
    WALLET_REGION,
    ask,
    child,
    client_for,
    evidence,
    fund,
    guardian_of,
    insured_person,
    region,
    taiyuan_staff,
)
from wallet.models import FamilyBinding, GuardianReview, Relation, Wallet
from wallet.selectors import family_bindings_to_confirm, person_is_minor
from wallet.services import family, transfers, wallets

pytestmark = pytest.mark.django_db
Status = FamilyBinding.Status

# --- age ---------------------------------------------------------------------------------------


def test_age_is_counted_on_the_shanghai_date(clock):
    """At 01:00 in Shanghai on the 18th birthday (still the day before in UTC) one is an adult."""
    person = insured_person(birth=dt.date(2007, 3, 10))
    clock.move_to(shanghai(2025, 3, 10, 1, 0))
    assert not person_is_minor(person=person)
    clock.move_to(shanghai(2025, 3, 9, 23, 59))
    assert person_is_minor(person=person)


# --- a minor acts on nothing -------------------------------------------------------------------


def test_a_minor_cannot_confirm_a_binding_even_from_a_parent():
    # given: a parent asks to bind the child (with evidence), and so does an uncle once a
    # guardian exists
    minor = child()
    parent = insured_person()
    binding = ask(parent, minor, evidence=evidence())
    # when / then: the child's own confirmation is refused, and the binding still waits
    with pytest.raises(BusinessRuleViolation, match="未满18周岁") as caught:
        family.family_binding_confirm(binding_id=binding.pk, by=minor)
    assert caught.value.status_code == 403
    binding.refresh_from_db()
    assert binding.status == Status.PENDING and not binding.guardian
    assert list(family_bindings_to_confirm(person=minor)) == []


def test_a_minor_cannot_end_a_binding_or_ask_for_one_but_the_guardian_can_end_it():
    minor = child()
    parent = guardian_of(minor)
    uncle = insured_person()
    binding = ask(uncle, minor, Relation.SIBLING)  # 兄弟姐妹 stands in for any relative
    with pytest.raises(BusinessRuleViolation, match="未满18周岁"):
        family.family_binding_end(binding_id=binding.pk, by=minor)
    with pytest.raises(BusinessRuleViolation, match="未满18周岁"):
        ask(minor, uncle, Relation.SIBLING)
    family.family_binding_end(binding_id=binding.pk, by=parent)
    binding.refresh_from_db()
    assert binding.status == Status.ENDED and binding.ended_by == parent


# --- the first guardian binding: evidence and staff --------------------------------------------


def test_a_parents_first_binding_to_a_minor_needs_evidence_checked_by_content():
    minor, parent = child(), insured_person()
    with pytest.raises(BusinessRuleViolation, match="户口簿或出生医学证明") as caught:
        ask(parent, minor)
    assert caught.value.field == "evidence" and caught.value.status_code == 400
    with pytest.raises(BusinessRuleViolation, match="只接受 PDF、JPG 或 PNG"):
        ask(parent, minor, evidence=evidence("户口簿.pdf", b"MZ\x90\x00 not a pdf"))
    assert not FamilyBinding.objects.exists()


def test_a_relative_other_than_a_parent_cannot_bind_a_minor_without_a_guardian():
    minor, grandmother = child(), insured_person()
    with pytest.raises(BusinessRuleViolation, match="尚无经审核的监护人"):
        ask(grandmother, minor, Relation.GRANDCHILD, evidence=evidence())
    assert not FamilyBinding.objects.exists()


def test_staff_of_the_childs_region_approve_the_first_guardian_binding(private_media):
    # given: the parent asked with evidence; it waits for staff
    minor, parent = child(), insured_person()
    binding = ask(parent, minor, evidence=evidence())
    review = binding.guardian_review
    assert review.status == GuardianReview.Status.WAITING and review.region_id == WALLET_REGION
    assert (private_media / review.evidence.name).read_bytes() == PDF
    with pytest.raises(BusinessRuleViolation, match="等待经办机构审核"):
        family.family_binding_confirm(binding_id=binding.pk, by=guardian_of(minor))
    # when: staff of another region try, then Taiyuan staff approve
    datong = StaffUserFactory(regions=[OTHER_REGION], permissions=REVIEW_PERMISSIONS)
    with pytest.raises(BusinessRuleViolation) as caught:
        family.guardian_review_approve(review_id=review.pk, by=datong)
    assert caught.value.status_code == 404
    staff = taiyuan_staff()
    family.guardian_review_approve(review_id=review.pk, by=staff, note="户口簿一致")
    # then: a confirmed guardian binding, audited
    binding.refresh_from_db()
    review.refresh_from_db()
    assert binding.status == Status.CONFIRMED and binding.guardian
    assert review.status == GuardianReview.Status.APPROVED and review.reviewed_by == staff
    assert AuditEvent.objects.filter(
        action="guardian_review_approved",
        object_type="wallet.guardianreview",
        object_id=review.pk,
        actor=staff,
    ).exists()
    with pytest.raises(BusinessRuleViolation, match="已办结"):
        family.guardian_review_reject(review_id=review.pk, by=staff, reason="重复")


def test_staff_reject_with_a_reason_and_the_binding_ends():
    minor, parent = child(), insured_person()
    binding = ask(parent, minor, evidence=evidence())
    staff = taiyuan_staff()
    with pytest.raises(BusinessRuleViolation, match="原因"):
        family.guardian_review_reject(review_id=binding.guardian_review.pk, by=staff, reason=" ")
    family.guardian_review_reject(
        review_id=binding.guardian_review.pk, by=staff, reason="材料与子女不符"
    )
    binding.refresh_from_db()
    assert binding.status == Status.ENDED and "材料与子女不符" in binding.end_reason
    assert binding.guardian_review.status == GuardianReview.Status.REJECTED


def test_withdrawing_a_waiting_request_withdraws_its_review():
    minor, parent = child(), insured_person()
    binding = ask(parent, minor, evidence=evidence())
    family.family_binding_end(binding_id=binding.pk, by=parent)
    binding.guardian_review.refresh_from_db()
    assert binding.guardian_review.status == GuardianReview.Status.WITHDRAWN
    with pytest.raises(BusinessRuleViolation, match="已办结"):
        family.guardian_review_approve(review_id=binding.guardian_review.pk, by=taiyuan_staff())


# --- the guardian acts for the minor -----------------------------------------------------------


def test_a_guardian_confirms_further_bindings_and_a_second_parent_becomes_a_guardian():
    minor = child()
    mother = guardian_of(minor)
    father, grandmother = insured_person(), insured_person()
    # when: the father and the grandmother ask (no evidence needed now)
    fathers = ask(father, minor)
    grandmothers = ask(grandmother, minor, Relation.GRANDCHILD)
    assert not hasattr(fathers, "guardian_review")
    assert set(family_bindings_to_confirm(person=mother)) == {fathers, grandmothers}
    family.family_binding_confirm(binding_id=fathers.pk, by=mother)
    family.family_binding_confirm(binding_id=grandmothers.pk, by=mother)
    # then: the father is a guardian, the grandmother only family
    fathers.refresh_from_db()
    grandmothers.refresh_from_db()
    assert (fathers.status, fathers.guardian) == (Status.CONFIRMED, True)
    assert (grandmothers.status, grandmothers.guardian) == (Status.CONFIRMED, False)
    assert family.is_guardian(person=father, minor_id=minor.pk)
    assert not family.is_guardian(person=grandmother, minor_id=minor.pk)


def test_a_parent_confirmed_by_the_minor_before_is_no_guardian():
    """A confirmed parent binding without staff approval (as the child could confirm before)
    gives no guardianship: that parent confirms nothing for the child."""
    minor, parent, uncle = child(), insured_person(), insured_person()
    FamilyBinding.objects.create(
        requester=parent,
        member=minor,
        relation=Relation.CHILD,
        status=Status.CONFIRMED,
        confirmed_by=minor,
        requester_region=region(),
        member_region=region(),
    )
    with pytest.raises(BusinessRuleViolation, match="尚无经审核的监护人"):
        ask(uncle, minor, Relation.SIBLING)


def test_only_a_guardian_opens_a_minors_wallet():
    minor = child()
    parent = guardian_of(minor)
    grandmother = insured_person()
    family.family_binding_confirm(
        binding_id=ask(grandmother, minor, Relation.GRANDCHILD).pk, by=parent
    )
    with pytest.raises(BusinessRuleViolation, match="监护人") as caught:
        wallets.wallet_open(by=grandmother, for_person=minor, usage_region=region())
    assert caught.value.field == "for_national_id"
    with pytest.raises(BusinessRuleViolation, match="未满18周岁"):
        wallets.wallet_open(by=minor, usage_region=region())
    wallets.wallet_open(by=parent, for_person=minor, usage_region=region())
    assert Wallet.objects.get(person=minor).opened_by == parent


# --- admin, portal, API ------------------------------------------------------------------------


def test_staff_download_the_evidence_and_decide_in_the_admin_of_their_region_only(client):
    minor, parent = child(), insured_person()
    review = ask(parent, minor, evidence=evidence()).guardian_review
    evidence_url = reverse("admin:wallet_guardianreview_evidence", args=[review.pk])
    decide_url = reverse("admin:wallet_guardianreview_decide", args=[review.pk])
    # other region's staff: nothing
    client.force_login(StaffUserFactory(regions=[OTHER_REGION], permissions=REVIEW_PERMISSIONS))
    assert client.get(evidence_url).status_code == 404
    assert client.post(decide_url, {"decision": "approve"}).status_code == 404
    assert (
        parent.name
        not in client.get(reverse("admin:wallet_guardianreview_changelist")).content.decode()
    )
    # the child's region: the file and the decision
    client.force_login(taiyuan_staff())
    assert (
        parent.name
        in client.get(reverse("admin:wallet_guardianreview_changelist")).content.decode()
    )
    response = client.get(evidence_url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert client.get(decide_url).status_code == 200
    change = client.get(reverse("admin:wallet_guardianreview_change", args=[review.pk]))
    assert change.status_code == 200 and decide_url in change.content.decode()
    assert client.post(decide_url, {"decision": "approve"}).status_code == 302
    review.binding.refresh_from_db()
    assert review.binding.status == Status.CONFIRMED and review.binding.guardian


def test_the_family_page_takes_the_evidence_and_shows_the_wait_for_staff():
    minor, parent = child(), insured_person()
    browser = Client()
    browser.force_login(parent.user)
    form = browser.get("/wallet/family/").content.decode()
    assert 'enctype="multipart/form-data"' in form and 'name="evidence"' in form
    response = browser.post(
        "/wallet/family/",
        {"national_id": minor.national_id, "name": minor.name, "relation": "CHILD"},
    )
    assert "户口簿或出生医学证明" in response.content.decode()
    response = browser.post(
        "/wallet/family/",
        {
            "national_id": minor.national_id,
            "name": minor.name,
            "relation": "CHILD",
            "evidence": evidence(),
        },
    )
    assert response.status_code == 302
    page = browser.get("/wallet/family/").content.decode()
    assert "等待经办机构审核监护关系证明材料" in page


def test_the_api_takes_the_evidence_as_multipart():
    minor, parent = child(), insured_person()
    api = client_for(parent)
    body = {"national_id": minor.national_id, "name": minor.name, "relation": "CHILD"}
    refused = api.post("/api/v1/family/", body, format="json")
    assert refused.status_code == 400 and "evidence" in refused.json()["errors"]
    created = api.post("/api/v1/family/", {**body, "evidence": evidence()}, format="multipart")
    assert created.status_code == 201, created.content
    assert created.json()["review_status"] == "WAITING" and created.json()["guardian"] is False


def test_a_minor_sends_no_transfer_even_from_a_wallet_the_guardian_opened():
    minor = child()
    parent = guardian_of(minor)
    fund(minor, 10_000)
    wallets.wallet_open(by=parent, for_person=minor, usage_region=region())
    wallets.wallet_open(by=parent, usage_region=region())
    with pytest.raises(BusinessRuleViolation, match="未满18周岁") as caught:
        transfers.wallet_transfer_create(
            sender=InsuredPerson.objects.get(pk=minor.pk),
            to_national_id=parent.national_id,
            amount="1.00",
            idempotency_key="minor",
        )
    assert caught.value.status_code == 403
