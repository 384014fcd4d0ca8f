"""SPEC §6 resident refunds: each type brings its documents, an agent and an heir bring theirs,
a premium must be on record, the windows (before 1 January of the benefit year and inside the
region's collection window) hold, one open application per premium; every refusal names its
field and rule."""

import datetime as dt

import pytest
import time_machine

from accounts.errors import BusinessRuleViolation
from accounts.models import AuditEvent, Notification, RegionPolicy
from refunds.models import ResidentRefund, ResidentRefundDocument, ResidentRefundEvent

from .resident import XIAN, apply, documents, person_with_login, premium, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


def refusal(**kwargs) -> BusinessRuleViolation:
    with pytest.raises(BusinessRuleViolation) as caught:
        apply(**kwargs)
    return caught.value


@pytest.mark.parametrize(
    ("refund_type", "needed"),
    [
        ("DUPLICATE", ["payment_receipt", "insurance_stopped"]),
        ("EMPLOYEE_INSURANCE", ["other_insurance"]),
        ("OTHER_REGION", ["other_insurance"]),
        ("PAYMENT_ERROR", ["payment_receipt"]),
    ],
)
def test_each_type_needs_its_documents(in_window, refund_type, needed):
    person = person_with_login()
    premium(person)
    for missing in needed:
        given = documents(*[kind for kind in needed if kind != missing])
        error = refusal(applicant=person, refund_type=refund_type, docs=given)
        assert (error.status_code, error.field, error.rule) == (422, missing, "document_required")
    refund = apply(person, refund_type=refund_type, docs=documents(*needed))
    assert sorted(refund.documents.values_list("kind", flat=True)) == sorted(needed)
    assert refund.status == ResidentRefund.Status.WAITING
    assert refund.amount_fen == 380_00


def test_an_application_is_recorded_with_its_clock_step_audit_and_notice(in_window):
    person = person_with_login()
    premium(person)
    refund = apply(person)
    assert refund.complete_on == dt.date(2025, 10, 15)
    # 20 working days after Wednesday 15 October 2025 (weekends only in between)
    assert refund.due_date == dt.date(2025, 11, 12)
    assert not refund.by_agent
    event = ResidentRefundEvent.objects.get(refund=refund)
    assert (event.status, event.by, event.by_label) == ("WAITING", person.user, "申请人本人")
    assert AuditEvent.objects.filter(action="resident_refund.apply", object_id=refund.pk).exists()
    notice = Notification.objects.get(reference=f"resident-refund:{refund.pk}")
    assert (notice.kind, notice.person) == (Notification.Kind.REFUND, person)


def test_a_file_that_is_not_a_document_is_refused_naming_it(in_window):
    person = person_with_login()
    premium(person)
    fake = upload("receipt.pdf")
    fake.file.write(b"MZ not a pdf")
    fake.file.seek(0)
    fake.file.truncate()
    fake.file.write(b"MZ not a pdf")
    fake.size = 12
    error = refusal(applicant=person, docs={"payment_receipt": fake})
    assert (error.field, error.rule) == ("payment_receipt", "document_invalid")
    assert not ResidentRefundDocument.objects.exists()


def test_an_agent_brings_a_power_of_attorney_and_their_id(in_window):
    insured, agent = person_with_login(), person_with_login()
    premium(insured)
    base = ["payment_receipt"]
    error = refusal(
        applicant=agent, for_national_id=insured.national_id, docs=documents(*base, "agent_id")
    )
    assert (error.field, error.rule) == ("power_of_attorney", "document_required")
    error = refusal(
        applicant=agent,
        for_national_id=insured.national_id,
        docs=documents(*base, "power_of_attorney"),
    )
    assert (error.field, error.rule) == ("agent_id", "document_required")
    refund = apply(
        agent,
        for_national_id=insured.national_id,
        docs=documents(*base, "power_of_attorney", "agent_id"),
    )
    assert (refund.applicant, refund.premium.person, refund.by_agent) == (agent, insured, True)
    assert refund.events.get().by_label == f"代办人 {agent.name}"


def test_for_a_death_the_heir_applies_naming_the_deceased_with_the_certificate(in_window):
    deceased, heir = person_with_login(), person_with_login()
    premium(deceased)
    error = refusal(applicant=heir, refund_type="DEATH", docs={})
    assert (error.field, error.rule) == ("for_national_id", "heir_names_deceased")
    error = refusal(
        applicant=heir, refund_type="DEATH", for_national_id=deceased.national_id, docs={}
    )
    assert (error.field, error.rule) == ("death_certificate", "document_required")
    refund = apply(
        heir,
        refund_type="DEATH",
        for_national_id=deceased.national_id,
        docs=documents("death_certificate"),
    )
    assert (refund.applicant, refund.premium.person, refund.by_agent) == (heir, deceased, False)
    assert refund.events.get().by_label == f"法定继承人 {heir.name}"


def test_a_premium_must_be_on_record_for_that_person_region_and_year(in_window):
    person = person_with_login()
    premium(person, year=2026, region="140100")
    error = refusal(applicant=person)
    assert (error.status_code, error.field, error.rule) == (409, "year", "no_premium")


@pytest.mark.parametrize(
    ("moment", "rule"),
    [
        # 2026's benefit year has begun: too late, though the window would be open again later
        (dt.datetime(2026, 1, 5, 2, tzinfo=dt.UTC), "benefit_year_started"),
        (dt.datetime(2026, 9, 15, 2, tzinfo=dt.UTC), "benefit_year_started"),
        # before 2025's collection window for 2026 opens (1 September)
        (dt.datetime(2025, 8, 31, 2, tzinfo=dt.UTC), "outside_collection_window"),
    ],
)
def test_refundable_only_before_the_benefit_year_and_inside_the_window(moment, rule):
    person = person_with_login()
    premium(person)
    with time_machine.travel(moment, tick=False):
        error = refusal(applicant=person)
    assert (error.status_code, error.field, error.rule) == (409, "year", rule)


def test_the_window_is_the_regions_policy():
    person = person_with_login()
    premium(person)
    RegionPolicy.objects.update_or_create(
        region_id=XIAN,
        defaults={"resident_collection_opens": "10-01", "resident_collection_closes": "11-30"},
    )
    with time_machine.travel(dt.datetime(2025, 12, 10, 2, tzinfo=dt.UTC), tick=False):
        error = refusal(applicant=person)
    assert error.rule == "outside_collection_window"
    with time_machine.travel(dt.datetime(2025, 11, 28, 2, tzinfo=dt.UTC), tick=False):
        assert apply(person).status == ResidentRefund.Status.WAITING


def test_one_open_application_per_premium(in_window):
    person = person_with_login()
    premium(person)
    apply(person)
    error = refusal(
        applicant=person,
        refund_type="DUPLICATE",
        docs=documents("payment_receipt", "insurance_stopped"),
    )
    assert (error.status_code, error.field, error.rule) == (409, "year", "open_application")
    assert ResidentRefund.objects.count() == 1


@pytest.mark.parametrize("account", ["62220202", "6222-0202-0202-0202", "６２２２０２０２０２０２"])
def test_the_bank_account_is_digits_of_a_bank_accounts_length(in_window, account):
    person = person_with_login()
    premium(person)
    error = refusal(applicant=person, bank_account=account)
    assert (error.status_code, error.field) == (422, "bank_account")
