"""The admin's start page is the staff workbench (经办工作台): what waits for the staff member's
regions, counted, dated and linked to the filtered list; nothing of other regions; the page
named after the agency, never "Django"."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccountingPeriod, MonthlyCreditRun, Region
from accounts.workbench import WaitingWork, waiting_work, workbench_source_register
from enrollment.models import DuplicateCase
from tests.factories import InsuredPersonFactory, StaffUserFactory, UserFactory
from tests.refunds.conftest import receive
from tests.refunds.factories import batch_payload, employer_with_employees, item
from tests.transfers.factories import id_images, ready_person
from transfers.services import transfer_apply, transfer_out_approve

pytestmark = pytest.mark.django_db

XIAN, TAIYUAN = "610100", "140100"
PERMISSIONS = [
    "transfers.view_transferapplication",
    "refunds.view_refundbatch",
    "refunds.view_clearance",
    "enrollment.view_duplicatecase",
    "enrollment.view_enrollment",
    "wallet.view_guardianreview",
    "accounts.view_accountingperiod",
    "accounts.view_monthlycreditrun",
]
TRANSFER_ACT = ["transfers.view_transferapplication", "transfers.change_transferapplication"]
INDEX = reverse("admin:index")


def staff(code, permissions=PERMISSIONS):
    return StaffUserFactory(regions=[code], permissions=permissions)


def transfer_out_of_xian():
    person, _account = ready_person()
    return transfer_apply(
        person=person,
        from_region=Region.objects.get(pk=XIAN),
        to_region=Region.objects.get(pk=TAIYUAN),
        scheme="EMPLOYEE",
        **id_images(),
    )


def refund_batch_in_xian(reference="SW-1"):
    employer, (person,) = employer_with_employees(1)
    payload = batch_payload(employer, [item(person, "202404", "10000.00", "8000.00")])
    return receive({**payload, "reference": reference})


def name_check(region_code):
    return DuplicateCase.objects.create(
        person=InsuredPersonFactory(),
        region_id=region_code,
        rule=DuplicateCase.Rule.NAME_MISMATCH,
        status=DuplicateCase.Status.OPEN,
    )


def failed_run(region_code):
    return MonthlyCreditRun.objects.create(
        region_id=region_code, periods=["202610"], status=MonthlyCreditRun.Status.FAILED
    )


def counts(user) -> dict[str, int]:
    return {str(line.title): line.count for line in waiting_work(user=user)}


@pytest.fixture
def waiting_in_both_regions(db):
    """Xi'an: a transfer to approve out, a refund batch, a name check, a past open period.
    Taiyuan: a failed credit run."""
    transfer_out_of_xian()
    refund_batch_in_xian()
    name_check(XIAN)
    AccountingPeriod.objects.create(region_id=XIAN, period="202601")
    failed_run(TAIYUAN)


def test_staff_see_what_waits_in_their_regions_only(waiting_in_both_regions):
    # given staff of each region
    xian, taiyuan = staff(XIAN), staff(TAIYUAN)
    # then each counts their own region's work
    assert counts(xian) == {
        "转移接续待审核": 1,
        "差额退费批次待审核": 1,
        "单位待转款清退待审核": 0,
        "姓名待核实": 1,
        "重复参保：账户待合并": 0,
        "暂停的参保登记（急需就医可紧急恢复）": 0,
        "未成年人监护关系待审核": 0,
        "待核定的做账期": 1,
        "失败的每月划入任务": 0,
    }
    # the transfer waits for Xi'an's step; Taiyuan sees it only once approved out
    assert counts(taiyuan) == {
        "转移接续待审核": 0,
        "差额退费批次待审核": 0,
        "单位待转款清退待审核": 0,
        "姓名待核实": 0,
        "重复参保：账户待合并": 0,
        "暂停的参保登记（急需就医可紧急恢复）": 0,
        "未成年人监护关系待审核": 0,
        "待核定的做账期": 0,
        "失败的每月划入任务": 1,
    }


def test_superusers_see_every_region(waiting_in_both_regions):
    superuser = UserFactory(is_staff=True, is_superuser=True, kind="STAFF")
    seen = counts(superuser)
    assert seen["转移接续待审核"] == 1 and seen["失败的每月划入任务"] == 1


def test_what_waits_comes_first_and_staff_without_permission_see_no_line(
    waiting_in_both_regions,
):
    lines = waiting_work(user=staff(XIAN))
    assert [line.count > 0 for line in lines] == sorted(
        (line.count > 0 for line in lines), reverse=True
    )
    only_refunds = staff(XIAN, permissions=["refunds.view_refundbatch"])
    assert counts(only_refunds) == {"差额退费批次待审核": 1}


def test_a_transfer_line_gives_the_nearest_due_date_and_what_is_urgent(db):
    application = transfer_out_of_xian()
    line = next(line for line in waiting_work(user=staff(XIAN)) if line.count and line.urgent_label)
    assert line.oldest == application.out_due
    # due in more than two working days at first; overdue once the date has passed
    assert line.urgent == 0
    type(application).objects.filter(pk=application.pk).update(
        out_due=timezone.localdate() - dt.timedelta(days=1)
    )
    line = next(line for line in waiting_work(user=staff(XIAN)) if line.urgent_label)
    assert line.urgent == 1


def test_the_start_page_links_each_line_to_its_filtered_list(client, waiting_in_both_regions):
    client.force_login(staff(XIAN))
    page = client.get(INDEX)
    assert page.status_code == 200
    lines = [line for line in page.context["workbench"] if line.count]
    assert len(lines) == 4
    for line in lines:
        listing = client.get(line.url)
        # a filter the list does not accept would redirect with ?e=1
        assert listing.status_code == 200, line.url
        assert listing.context["cl"].result_count == line.count, line.url
    assert "西安市" in page.content.decode()


def test_an_app_adds_its_own_line_without_the_core_knowing_it(client, db):
    """The integrator registers resident refunds the same way, from the app's ready()."""

    def resident_refunds(*, user):
        return WaitingWork(title="居民退费待审核", count=3, url="/admin/", oldest="202611")

    workbench_source_register(key="test_resident_refunds", source=resident_refunds, order=35)
    try:
        client.force_login(staff(XIAN))
        page = client.get(INDEX).content.decode()
    finally:
        from accounts import workbench

        del workbench._sources["test_resident_refunds"]
    assert "居民退费待审核" in page and "202611" in page


def test_the_start_page_costs_the_same_queries_however_much_waits(client, db):
    client.force_login(staff(XIAN))
    client.get(INDEX)  # sessions and permissions warmed up like every page
    transfer_out_of_xian()
    refund_batch_in_xian("SW-1")
    with CaptureQueriesContext(connection) as few:
        client.get(INDEX)
    for n in range(3):
        transfer_out_of_xian()
        refund_batch_in_xian(f"SW-{n + 2}")
        name_check(XIAN)
    with CaptureQueriesContext(connection) as many:
        assert client.get(INDEX).context["workbench"][0].count == 4
    assert len(many) == len(few) <= 20


@pytest.mark.parametrize(
    "url", [INDEX, reverse("admin:password_change"), reverse("admin:accounts_region_changelist")]
)
def test_admin_pages_are_named_after_the_agency_never_django(client, db, url):
    client.force_login(UserFactory(is_staff=True, is_superuser=True, kind="STAFF"))
    page = client.get(url).content.decode()
    assert "Django" not in page
    assert "医疗保障局 经办工作台" in page


def test_the_login_and_logout_pages_never_say_django(client, db, settings):
    settings.AGENCY_NAME = "西安市医疗保障局"
    login = client.get(reverse("admin:login")).content.decode()
    assert "Django" not in login and "西安市医疗保障局 经办工作台" in login
    client.force_login(UserFactory(is_staff=True, is_superuser=True, kind="STAFF"))
    logout = client.post(reverse("admin:logout")).content.decode()
    assert "Django" not in logout


def test_an_approved_transfer_moves_to_the_in_regions_workbench(client, db):
    application = transfer_out_of_xian()
    transfer_out_approve(application_id=application.pk, by=staff(XIAN, TRANSFER_ACT))
    xian, taiyuan = staff(XIAN), staff(TAIYUAN)
    assert counts(xian)["转移接续待审核"] == 0
    assert counts(taiyuan)["转移接续待审核"] == 1
    # the link lists the step waiting for Taiyuan, not what Xi'an already did
    client.force_login(xian)
    line = next(line for line in waiting_work(user=xian) if line.urgent_label)
    assert client.get(line.url).context["cl"].result_count == 0
