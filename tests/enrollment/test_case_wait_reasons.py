"""Every duplicate case in the admin says why it waits and for whom: the name report, the
employer or community, or the account merge and what holds it back."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Region
from accounts.services import periods
from enrollment.models import CaseEnrollment, DuplicateCase, EnrollmentStatus, NameReport, Scheme
from tests.factories import EnrollmentFactory, InsuredPersonFactory, StaffUserFactory

pytestmark = pytest.mark.django_db

LIST = reverse("admin:enrollment_duplicatecase_changelist")


@pytest.fixture
def xian_staff(client):
    user = StaffUserFactory(regions=["610100"], permissions=["enrollment.view_duplicatecase"])
    client.force_login(user)
    return user


def merge_case(*, kept_record="A-1", merged_record="A-2"):
    person = InsuredPersonFactory()
    kept = EnrollmentFactory(person=person, record_id=kept_record)
    merged = EnrollmentFactory(
        person=person, record_id=merged_record, status=EnrollmentStatus.MERGED
    )
    case = DuplicateCase.objects.create(
        person=person,
        region_id="610100",
        rule=DuplicateCase.Rule.SAME_REGION_MERGE,
        status=DuplicateCase.Status.DECIDED,
        kept=kept,
        accounts_status=DuplicateCase.AccountsStatus.PENDING,
    )
    CaseEnrollment.objects.create(
        case=case,
        enrollment=merged,
        action=CaseEnrollment.Action.MERGED,
        status_before=EnrollmentStatus.ACTIVE,
    )
    return case


def name_case(*, scheme=Scheme.EMPLOYEE):
    record = EnrollmentFactory(scheme=scheme, status=EnrollmentStatus.SUSPENDED)
    case = DuplicateCase.objects.create(
        person=record.person,
        region_id="610100",
        rule=DuplicateCase.Rule.NAME_MISMATCH,
        status=DuplicateCase.Status.OPEN,
    )
    CaseEnrollment.objects.create(
        case=case,
        enrollment=record,
        action=CaseEnrollment.Action.SUSPENDED,
        status_before=EnrollmentStatus.ACTIVE,
    )
    return case


def reasons(client) -> str:
    page = client.get(LIST).content.decode()
    return re.search(r'<table id="result_list">.*?</table>', page, re.S).group(0)


def test_a_pending_merge_names_the_accounts_and_the_next_run(client, xian_staff):
    merge_case()
    shown = reasons(client)
    assert "为何等待" in shown
    assert "登记 A-2 的个人账户余额将并入保留的登记 A-1" in shown
    assert "下一次重复参保处理" in shown


def test_a_pending_merge_says_the_assessed_period_holds_it(client, xian_staff):
    merge_case()
    period = periods.accounting_period_open(region=Region.objects.get(pk="610100"), period="202611")
    periods.accounting_period_assess(period=period)
    shown = reasons(client)
    assert "本统筹区做账期 202611 已核定，期间不合并账户" in shown


def test_a_name_case_says_who_reports_the_right_name(client, xian_staff):
    name_case()
    resident_case = name_case(scheme=Scheme.RESIDENT)
    shown = reasons(client)
    assert "等待参保单位报送正确姓名" in shown
    assert "等待社区报送正确姓名" in shown
    NameReport.objects.create(
        case=resident_case,
        name="王小明",
        source=NameReport.Source.COMMUNITY,
        community="雁塔社区",
        reported_by=xian_staff,
    )
    assert "已报送正确姓名“王小明”，等待经办人员确认或退回" in reasons(client)


def test_the_reasons_cost_no_query_per_case(client, xian_staff):
    merge_case()
    name_case()
    reasons(client)
    with CaptureQueriesContext(connection) as few:
        reasons(client)
    for n in range(3):
        merge_case(kept_record=f"B-{n}", merged_record=f"C-{n}")
        name_case()
    with CaptureQueriesContext(connection) as many:
        reasons(client)
    assert len(many) == len(few)
