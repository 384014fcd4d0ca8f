"""The applicant's pages: the form, 业务办理进度查询 (status, timeline, due dates, certificate,
withdraw while allowed), months paid in every region, linked from the home page."""

import pytest
from django.urls import reverse

from accounts.models import LedgerAccount, Region
from tests.factories import InsuredPersonFactory, StaffUserFactory
from transfers.models import TransferApplication, TransferStatus
from transfers.services import transfer_apply, transfer_out_approve

from .factories import TAIYUAN, XIAN, contribution, id_images, ready_person

pytestmark = pytest.mark.django_db


def submitted(person):
    return transfer_apply(
        person=person,
        from_region=Region.objects.get(pk=XIAN),
        to_region=Region.objects.get(pk=TAIYUAN),
        scheme="EMPLOYEE",
        **id_images(),
    )


def test_the_home_page_links_the_transfer_pages(client):
    person, _account = ready_person()
    client.force_login(person.user)
    content = client.get("/").content.decode()
    assert f'href="{reverse("transfers:list")}"' in content


def test_applying_through_the_form_leads_to_the_progress_page(client):
    person, _account = ready_person()
    client.force_login(person.user)
    data = {"from_region": XIAN, "to_region": TAIYUAN, "scheme": "EMPLOYEE", **id_images()}
    response = client.post(reverse("transfers:new"), data)
    application = TransferApplication.objects.get(person=person)
    assert response.url == reverse("transfers:detail", args=[application.pk])


def test_the_form_shows_every_unmet_condition(client):
    person = InsuredPersonFactory(with_user=True)
    client.force_login(person.user)
    data = {"from_region": XIAN, "to_region": TAIYUAN, "scheme": "EMPLOYEE", **id_images()}
    content = client.post(reverse("transfers:new"), data).content.decode()
    assert "没有职工医保参保记录" in content
    assert "新参保地 太原市 尚未正常参保" in content
    assert not TransferApplication.objects.exists()


def test_the_progress_page_shows_status_steps_due_dates_certificate_and_no_withdraw(
    client, django_assert_num_queries
):
    person, _account = ready_person()
    application = submitted(person)
    transfer_out_approve(
        application_id=application.pk, by=StaffUserFactory(regions=[Region.objects.get(pk=XIAN)])
    )
    client.force_login(person.user)
    url = reverse("transfers:detail", args=[application.pk])
    # session, user, person, application with regions, its timeline; the idle-session
    # middleware's session update (savepoint, update, release)
    with django_assert_num_queries(8):
        response = client.get(url)
    content = response.content.decode()
    assert "转出地已审核，待转入地接收" in content
    assert "转出地 西安市 医保经办机构" in content and "申请人本人" in content
    assert str(application.out_due) in content and str(application.complete_due) in content
    assert reverse("transfers:certificate", args=[application.pk]) in content
    assert reverse("transfers:withdraw", args=[application.pk]) not in content
    certificate = client.get(reverse("transfers:certificate", args=[application.pk]))
    assert certificate["Content-Type"] == "application/pdf"


def test_withdraw_from_the_progress_page_while_submitted(client):
    person, _account = ready_person()
    application = submitted(person)
    client.force_login(person.user)
    url = reverse("transfers:detail", args=[application.pk])
    assert reverse("transfers:withdraw", args=[application.pk]) in client.get(url).content.decode()
    client.post(reverse("transfers:withdraw", args=[application.pk]))
    application.refresh_from_db()
    assert application.status == TransferStatus.WITHDRAWN


def test_someone_elses_progress_page_is_not_found(client):
    person, _account = ready_person()
    application = submitted(person)
    client.force_login(InsuredPersonFactory(with_user=True).user)
    assert client.get(reverse("transfers:detail", args=[application.pk])).status_code == 404
    assert client.post(reverse("transfers:withdraw", args=[application.pk])).status_code == 404
    application.refresh_from_db()
    assert application.status == TransferStatus.SUBMITTED


def test_the_list_shows_months_paid_in_every_region(client, django_assert_num_queries):
    """累计缴费月数: months paid in each region, and the total."""
    person, _account = ready_person()
    new_account = person.personal_accounts.create(
        region=Region.objects.get(pk=TAIYUAN),
        current=_ledger(person, TAIYUAN, "PERSON_CURRENT"),
        carried=_ledger(person, TAIYUAN, "PERSON_CARRIED"),
        opened_period="202503",
    )
    contribution(new_account, "202503")
    submitted(person)
    client.force_login(person.user)
    # session, user, person, applications, their timelines, months by region; the session
    # update (3)
    with django_assert_num_queries(9):
        content = client.get(reverse("transfers:list")).content.decode()
    assert "各统筹区实际缴费合计 5 个月" in content
    assert "2024：2；2025：2" in content
    assert "140100 太原市" in content


def _ledger(person, region_code, kind):
    return LedgerAccount.objects.create(kind=kind, person=person, region_id=region_code)
