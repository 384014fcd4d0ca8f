"""Policies dated by period (SPEC §1): rates, the contribution band and the retiree credit
apply from a period on; work about a period uses that period's values; history is kept."""

import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from accounts.errors import NotFound, Refused
from accounts.models import AuditEvent, Contribution, PersonalAccount, RegionPolicyVersion
from accounts.selectors import policies_for_periods, policy_for_period
from accounts.services import credits, policies
from tests.factories import InsuredPersonFactory, StaffUserFactory, region

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 5, 20, 9, 0, tzinfo=dt.UTC)
XIAN, TAIYUAN = "610100", "140100"


def add_version(code: str, period: str, **values) -> RegionPolicyVersion:
    return policies.policy_version_add(
        region=region(code), valid_from_period=period, values=values, actor=None
    )


def balance(person, code=XIAN) -> Decimal:
    return (
        PersonalAccount.objects.select_related("current", "carried")
        .get(person=person, region_id=code)
        .balance
    )


def test_todays_values_are_in_force_from_the_earliest_period():
    """Migrated: each region's values hold from before any period the system keeps."""
    version = policy_for_period(XIAN, "200001")
    assert (version.valid_from_period, version.employer_rate) == ("190001", Decimal("0.0800"))
    assert RegionPolicyVersion.objects.filter(valid_from_period="190001").count() == 23


def test_the_version_in_force_is_the_latest_one_not_after_the_period():
    # given: Xi'an's employer rate 8% until 2024, 7% from January 2025
    add_version(XIAN, "202501", employer_rate=Decimal("0.0700"))
    # when
    found = policies_for_periods([(XIAN, "202412"), (XIAN, "202501"), (XIAN, "202604")])
    # then
    assert [found[(XIAN, p)].employer_rate for p in ("202412", "202501", "202604")] == [
        Decimal("0.0800"),
        Decimal("0.0700"),
        Decimal("0.0700"),
    ]


def test_a_period_before_every_version_has_no_policy():
    RegionPolicyVersion.objects.filter(region=XIAN).update(valid_from_period="202001")
    with pytest.raises(NotFound):
        policy_for_period(XIAN, "201912")


def test_a_second_version_for_the_same_period_is_refused():
    add_version(XIAN, "202501", employer_rate=Decimal("0.0700"))
    with pytest.raises(Refused):
        add_version(XIAN, "202501", employer_rate=Decimal("0.0600"))


@time_machine.travel(NOW)
def test_a_2024_contribution_uses_2024s_rate_after_a_2025_version_is_added(contribute):
    """Xi'an's employer rate went from 8% to 7%: a contribution keeps its own period's rate."""
    # given
    person = InsuredPersonFactory()
    add_version(XIAN, "202501", employer_rate=Decimal("0.0700"))
    # when: the tax feed reports December 2024 and January 2025 (base 8000.00)
    contribute(person, "202412")
    contribute(person, "202501")
    # then
    shares = dict(
        Contribution.objects.filter(person=person).values_list("period", "employer_share_fen")
    )
    assert shares == {"202412": 64_000, "202501": 56_000}


@time_machine.travel(NOW)
def test_a_contribution_is_clamped_to_its_own_periods_band(contribute):
    """A higher average wage from 2026 raises the floor only from 2026 on."""
    person = InsuredPersonFactory()
    add_version(XIAN, "202601", average_wage=Decimal("8000.00"))
    contribute(person, "202512", base="1000.00")
    contribute(person, "202601", base="1000.00")
    bases = dict(Contribution.objects.filter(person=person).values_list("period", "base_fen"))
    assert bases == {"202512": 432_000, "202601": 480_000}  # 60% of 7200, then of 8000


@time_machine.travel(NOW)
def test_the_credit_of_an_old_period_uses_the_old_individual_rate(contribute, assess):
    # given: the individual rate rises to 3% from May 2026; April and May paid (base 8000)
    person = InsuredPersonFactory()
    add_version(XIAN, "202605", individual_rate=Decimal("0.0300"))
    contribute(person, "202604")
    contribute(person, "202605")
    assess("202604", "202605")
    # when
    run = credits.monthly_credit_run(region_code=XIAN)
    # then: 2% of April, 3% of May
    assert run.credited_count == 2
    assert balance(person) == Decimal("160.00") + Decimal("240.00")
    call_command("verify_ledger", stdout=io.StringIO())


@time_machine.travel(NOW)
def test_a_retiree_is_credited_each_periods_own_amount(assess, retiree):
    """Taiyuan's fixed 85 becomes 90 from May: a backfilled April still gets 85."""
    # given
    person = retiree(born=dt.date(1950, 3, 3), region=TAIYUAN)
    add_version(
        TAIYUAN,
        "202605",
        retiree_credit_rule="FIXED",
        retiree_amount_below=Decimal("90.00"),
        retiree_amount_from=Decimal("90.00"),
    )
    assess("202604", "202605", region=TAIYUAN)
    # when
    credits.monthly_credit_run(region_code=TAIYUAN)
    # then
    assert balance(person, TAIYUAN) == Decimal("175.00")
    call_command("verify_ledger", stdout=io.StringIO())


VERSION_PERMISSIONS = [
    "accounts.view_regionpolicyversion",
    "accounts.add_regionpolicyversion",
]


def version_form(client, code: str, period: str, **changes) -> dict:
    """The admin's add form as staff fill it: defaults, then the values that change."""
    form = client.get(reverse("admin:accounts_regionpolicyversion_add")).context["adminform"]
    data = {name: form.form[name].value() for name in form.form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    return {**data, "region": code, "valid_from_period": period, **changes}


def test_staff_add_a_version_in_the_admin_and_the_old_one_stays(client):
    # given: Xi'an staff
    staff = StaffUserFactory(regions=[XIAN], permissions=VERSION_PERMISSIONS)
    client.force_login(staff)
    # when
    response = client.post(
        reverse("admin:accounts_regionpolicyversion_add"),
        version_form(client, XIAN, "202501", employer_rate="0.0700"),
    )
    # then
    assert response.status_code == 302, response.context["adminform"].form.errors
    rates = list(
        RegionPolicyVersion.objects.filter(region=XIAN)
        .order_by("valid_from_period")
        .values_list("valid_from_period", "employer_rate")
    )
    assert rates == [("190001", Decimal("0.0800")), ("202501", Decimal("0.0700"))]
    event = AuditEvent.objects.get(action="policy_version_add")
    assert (event.actor, event.after["employer_rate"]) == (staff, "0.0700")


def test_a_version_cannot_be_changed_or_deleted_in_the_admin(client):
    staff = StaffUserFactory(
        regions=[XIAN],
        permissions=[
            *VERSION_PERMISSIONS,
            "accounts.change_regionpolicyversion",
            "accounts.delete_regionpolicyversion",
        ],
    )
    client.force_login(staff)
    version = policy_for_period(XIAN, "202604")
    url = reverse("admin:accounts_regionpolicyversion_change", args=[version.pk])
    client.post(url, version_form(client, XIAN, "190001", employer_rate="0.0100"))
    delete = reverse("admin:accounts_regionpolicyversion_delete", args=[version.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    version.refresh_from_db()
    assert version.employer_rate == Decimal("0.0800")


def test_staff_of_another_region_cannot_add_a_version(client):
    # given: Taiyuan staff
    client.force_login(StaffUserFactory(regions=[TAIYUAN], permissions=VERSION_PERMISSIONS))
    # when
    response = client.post(
        reverse("admin:accounts_regionpolicyversion_add"),
        version_form(client, XIAN, "202501", employer_rate="0.0700"),
    )
    # then
    assert response.status_code == 200  # the form again, with the region refused
    assert "region" in response.context["adminform"].form.errors
    assert not RegionPolicyVersion.objects.filter(region=XIAN, valid_from_period="202501")
    listing = client.get(reverse("admin:accounts_regionpolicyversion_changelist"))
    assert {v.region_id for v in listing.context["cl"].result_list} == {TAIYUAN}
