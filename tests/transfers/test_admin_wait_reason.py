"""A transfer application in the admin says which side it waits for and by when."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from accounts.models import Region
from tests.factories import StaffUserFactory
from transfers.models import TransferApplication
from transfers.services import transfer_out_approve

from .factories import TAIYUAN, XIAN
from .test_admin import PERMISSIONS, submitted

pytestmark = pytest.mark.django_db


def page(client, code, url):
    client.force_login(
        StaffUserFactory(regions=[Region.objects.get(pk=code)], permissions=PERMISSIONS)
    )
    return client.get(url).content.decode()


def test_a_submitted_application_waits_for_the_out_region_by_its_due_date(client):
    application, _account = submitted()
    shown = page(client, XIAN, reverse("admin:transfers_transferapplication_changelist"))
    due = date_format(application.out_due)
    assert f"等待转出地（西安市）经办人员审核，办理期限 {due}" in shown


def test_an_overdue_step_says_so_on_the_application_page(client):
    application, _account = submitted()
    TransferApplication.objects.filter(pk=application.pk).update(
        out_due=timezone.localdate() - dt.timedelta(days=3)
    )
    shown = page(
        client, XIAN, reverse("admin:transfers_transferapplication_change", args=[application.pk])
    )
    assert "为何等待" in shown and "已逾期。" in shown


def test_an_approved_application_waits_for_the_in_region(client):
    application, _account = submitted()
    transfer_out_approve(
        application_id=application.pk,
        by=StaffUserFactory(regions=[Region.objects.get(pk=XIAN)], permissions=PERMISSIONS),
    )
    shown = page(client, TAIYUAN, reverse("admin:transfers_transferapplication_changelist"))
    assert "等待转入地（太原市）接收" in shown
