"""Staff in the admin: 转出地 acts on the transfer-out step, 转入地 on the transfer-in step,
other regions neither see nor act (list, change page, actions, file downloads)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Region
from tests.factories import StaffUserFactory
from transfers.models import TransferApplication, TransferStatus
from transfers.services import transfer_apply, transfer_out_approve

from .factories import BEIJING, TAIYUAN, XIAN, id_images, parts, ready_person

pytestmark = pytest.mark.django_db

PERMISSIONS = ["transfers.view_transferapplication", "transfers.change_transferapplication"]
LIST = reverse("admin:transfers_transferapplication_changelist")


def staff(code):
    return StaffUserFactory(regions=[Region.objects.get(pk=code)], permissions=PERMISSIONS)


def submitted():
    person, account = ready_person()
    application = transfer_apply(
        person=person,
        from_region=Region.objects.get(pk=XIAN),
        to_region=Region.objects.get(pk=TAIYUAN),
        scheme="EMPLOYEE",
        **id_images(),
    )
    return application, account


def page_of(client, user, url, **kwargs):
    client.force_login(user)
    return client.get(url, **kwargs)


def urls(application) -> dict[str, str]:
    pk = application.pk
    return {
        "change": reverse("admin:transfers_transferapplication_change", args=[pk]),
        "front": reverse("admin:transfers_transferapplication_file", args=[pk, "id_front"]),
        "back": reverse("admin:transfers_transferapplication_file", args=[pk, "id_back"]),
        "certificate": reverse("admin:transfers_transferapplication_certificate", args=[pk]),
        "reject": reverse("admin:transfers_transferapplication_reject", args=[pk]),
    }


def test_the_out_side_sees_acts_and_opens_the_uploads(client):
    application, account = submitted()
    xian = staff(XIAN)
    assert application.person.name in page_of(client, xian, LIST).content.decode()
    change = page_of(client, xian, urls(application)["change"]).content.decode()
    assert "转出审核通过" in change and "不予办理" in change and "转入接收" not in change
    front = client.get(urls(application)["front"])
    assert front.status_code == 200
    assert b"".join(front.streaming_content).startswith(b"\x89PNG")

    step = reverse("admin:transfers_transferapplication_step", args=[application.pk, "out"])
    client.post(step)
    application.refresh_from_db()
    assert application.status == TransferStatus.OUT_APPROVED
    assert parts(account) == (0, 0)
    certificate = client.get(urls(application)["certificate"])
    assert certificate["Content-Type"] == "application/pdf"


def test_the_in_side_sees_the_application_once_it_concerns_them(client):
    application, _account = submitted()
    taiyuan = staff(TAIYUAN)
    assert application.person.name not in page_of(client, taiyuan, LIST).content.decode()
    assert client.get(urls(application)["change"]).status_code in (302, 404)

    transfer_out_approve(application_id=application.pk, by=staff(XIAN))
    change = page_of(client, taiyuan, urls(application)["change"]).content.decode()
    assert "转入接收" in change and "转出审核通过" not in change
    step = reverse("admin:transfers_transferapplication_step", args=[application.pk, "in"])
    client.post(step)
    application.refresh_from_db()
    assert application.status == TransferStatus.COMPLETED


def test_the_in_side_cannot_take_the_out_step(client):
    application, account = submitted()
    transfer_out_approve(application_id=application.pk, by=staff(XIAN))
    # A new SUBMITTED one of another person: Taiyuan staff do not see it.
    other, _ = submitted()
    client.force_login(staff(TAIYUAN))
    step = reverse("admin:transfers_transferapplication_step", args=[other.pk, "out"])
    assert client.post(step).status_code == 404
    # On the one they see, the out step is refused (it is not theirs), nothing moves.
    step = reverse("admin:transfers_transferapplication_step", args=[application.pk, "out"])
    client.post(step)
    application.refresh_from_db()
    assert application.status == TransferStatus.OUT_APPROVED


def test_staff_of_an_unrelated_region_neither_see_nor_act(client):
    application, account = submitted()
    transfer_out_approve(application_id=application.pk, by=staff(XIAN))
    beijing = staff(BEIJING)
    assert application.person.name not in page_of(client, beijing, LIST).content.decode()
    for name, url in urls(application).items():
        assert client.get(url).status_code in (302, 404), name
    step = reverse("admin:transfers_transferapplication_step", args=[application.pk, "in"])
    assert client.post(step).status_code == 404
    client.post(
        LIST,
        {"action": "accept_in", "_selected_action": [application.pk]},
    )
    client.post(urls(application)["reject"], {"reason": "不是我的"})
    application.refresh_from_db()
    assert application.status == TransferStatus.OUT_APPROVED


def test_approve_as_an_admin_action_and_reject_with_a_reason(client):
    first, _ = submitted()
    second, second_account = submitted()
    client.force_login(staff(XIAN))
    client.post(LIST, {"action": "approve_out", "_selected_action": [first.pk]})
    first.refresh_from_db()
    assert first.status == TransferStatus.OUT_APPROVED

    response = client.post(LIST, {"action": "reject", "_selected_action": [second.pk]})
    assert response.url == urls(second)["reject"]
    client.post(urls(second)["reject"], {"reason": "身份证照片不清晰"})
    second.refresh_from_db()
    assert (second.status, second.reject_reason) == (TransferStatus.REJECTED, "身份证照片不清晰")


def test_the_list_puts_overdue_then_due_soon_first_and_marks_them(client):
    on_time, _ = submitted()
    overdue, _ = submitted()
    soon, _ = submitted()
    today = timezone.localdate()
    TransferApplication.objects.filter(pk=overdue.pk).update(out_due=today - dt.timedelta(days=3))
    TransferApplication.objects.filter(pk=soon.pk).update(out_due=today)
    TransferApplication.objects.filter(pk=on_time.pk).update(out_due=today + dt.timedelta(days=30))
    response = page_of(client, staff(XIAN), LIST)
    rows = [row.pk for row in response.context["cl"].result_list]
    assert rows == [overdue.pk, soon.pk, on_time.pk]
    content = response.content.decode()
    assert "已逾期" in content and "即将到期" in content
    # marked by class from a stylesheet: the Content-Security-Policy refuses inline style
    assert 'class="due-overdue"' in content and "admin_transfers.css" in content
    assert "style=" not in content.split("<body", 1)[1]
