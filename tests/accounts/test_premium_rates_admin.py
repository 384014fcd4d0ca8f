"""Staff set the resident premium rate of their own regions in the admin, in yuan, audited."""

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from accounts.models import ResidentPremiumRate
from tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def taiyuan_staff(client):
    user = StaffUserFactory(
        regions=["140100"],
        permissions=[
            "accounts.view_residentpremiumrate",
            "accounts.change_residentpremiumrate",
        ],
    )
    client.force_login(user)
    return user


def test_staff_change_their_regions_rate_in_yuan(client, taiyuan_staff):
    # given
    rate = ResidentPremiumRate.objects.get(region_id="140100", year=2026)
    url = reverse("admin:accounts_residentpremiumrate_change", args=[rate.pk])
    # when
    response = client.post(url, {"region": "140100", "year": 2026, "amount": "410.00"})
    # then
    assert response.status_code == 302, response.content[:2000]
    rate.refresh_from_db()
    assert rate.amount_fen == 41_000
    assert LogEntry.objects.get_for_object(rate).exists()


def test_staff_see_and_change_no_other_regions_rate(client, taiyuan_staff):
    theirs = ResidentPremiumRate.objects.get(region_id="610100", year=2026)
    page = client.get(reverse("admin:accounts_residentpremiumrate_changelist") + "?year=2026")
    assert page.status_code == 200
    assert "西安" not in page.content.decode()
    url = reverse("admin:accounts_residentpremiumrate_change", args=[theirs.pk])
    assert client.get(url).status_code in (302, 404)
    client.post(url, {"region": "610100", "year": 2026, "amount": "1.00"})
    theirs.refresh_from_db()
    assert theirs.amount_fen == 40_000
