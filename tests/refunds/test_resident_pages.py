"""The person's pages of resident refunds: apply, the list, the progress page with every step
and the materials form; another person's application is not found. Query counts stay fixed
however many applications the list shows."""

import pytest
from django.urls import reverse

from refunds.models import ResidentRefund
from refunds.services import resident

from .resident import application_form, apply, documents, person_with_login, premium, staff

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media", "in_window")]


def test_the_form_files_an_application_and_shows_its_progress(client):
    person = person_with_login()
    premium(person)
    client.force_login(person.user)
    response = client.post(
        reverse("resident-refunds:new"),
        application_form(),
    )
    refund = ResidentRefund.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("resident-refunds:detail", args=[refund.pk])
    page = client.get(response.url).content.decode()
    assert "待审核" in page and "2025-11-12" in page and "申请人本人" in page


def test_a_refusal_is_shown_on_the_form(client):
    person = person_with_login()
    client.force_login(person.user)
    response = client.post(
        reverse("resident-refunds:new"),
        application_form(),
    )
    assert response.status_code == 200
    assert "缴费记录" in response.content.decode()
    assert not ResidentRefund.objects.exists()


def test_the_progress_page_offers_the_materials_form_when_asked(client):
    person = person_with_login()
    premium(person)
    refund = apply(person)
    resident.resident_refund_materials_request(refund_id=refund.pk, by=staff(), note="缴费凭证原件")
    client.force_login(person.user)
    page = client.get(reverse("resident-refunds:detail", args=[refund.pk])).content.decode()
    assert "缴费凭证原件" in page and "上传补充材料" in page
    response = client.post(
        reverse("resident-refunds:materials", args=[refund.pk]), documents("supplement")
    )
    assert response.status_code == 302
    assert ResidentRefund.objects.get().status == ResidentRefund.Status.WAITING


def test_another_persons_application_is_not_found(client):
    owner, other = person_with_login(), person_with_login()
    premium(owner)
    refund = apply(owner)
    client.force_login(other.user)
    assert client.get(reverse("resident-refunds:detail", args=[refund.pk])).status_code == 404
    assert f"#{refund.pk}" not in client.get(reverse("resident-refunds:list")).content.decode()


def test_the_insured_person_follows_what_an_agent_filed_for_them_but_only_the_agent_acts(
    client,
):
    insured, agent = person_with_login(), person_with_login()
    premium(insured)
    refund = apply(
        agent,
        for_national_id=insured.national_id,
        docs=documents("payment_receipt", "power_of_attorney", "agent_id"),
    )
    resident.resident_refund_materials_request(refund_id=refund.pk, by=staff(), note="缴费凭证原件")
    client.force_login(insured.user)
    assert f"#{refund.pk}" in client.get(reverse("resident-refunds:list")).content.decode()
    page = client.get(reverse("resident-refunds:detail", args=[refund.pk])).content.decode()
    assert "缴费凭证原件" in page and "上传补充材料" not in page
    response = client.post(
        reverse("resident-refunds:materials", args=[refund.pk]),
        documents("supplement"),
        follow=True,
    )
    assert "补充材料由提交申请的代办人上传" in response.content.decode()
    assert ResidentRefund.objects.get().status == ResidentRefund.Status.MATERIALS_REQUESTED


def test_the_list_page_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    person = person_with_login()
    for year in (2026,):
        premium(person, year=year)
    apply(person)
    for region in ("140100",):
        premium(person, region=region)
    client.force_login(person.user)
    client.get(reverse("resident-refunds:list"))
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("resident-refunds:list"))
    apply(person, region="140100")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("resident-refunds:list"))
