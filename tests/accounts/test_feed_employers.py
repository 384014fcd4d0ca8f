"""POST /api/v1/feed/employers/: upsert by credit code, all-or-nothing."""

import pytest

from accounts.models import Employer
from tests.factories import EmployerFactory, make_credit_code

pytestmark = pytest.mark.django_db

URL = "/api/v1/feed/employers/"


def test_employers_are_created_then_updated(service_client):
    rows = [{"code": make_credit_code(n), "name": f"单位{n}", "region": "610100"} for n in range(3)]
    assert service_client.post(URL, {"employers": rows}, format="json").json() == {
        "created": 3,
        "updated": 0,
        "unchanged": 0,
    }
    rows[0]["name"] = "新名称有限公司"
    assert service_client.post(URL, {"employers": rows}, format="json").json() == {
        "created": 0,
        "updated": 1,
        "unchanged": 2,
    }
    assert Employer.objects.get(code=rows[0]["code"]).name == "新名称有限公司"


def test_bad_rows_are_named_and_nothing_is_applied(service_client):
    existing = EmployerFactory(name="旧名称")
    rows = [
        {"code": existing.code, "name": "改名", "region": "610100"},
        {"code": "91110000802100433C", "name": "校验位错", "region": "610100"},
        {"code": make_credit_code(77), "name": "地区错", "region": "000000"},
        {"code": existing.code, "name": "重复", "region": "610100"},
    ]
    response = service_client.post(URL, {"employers": rows}, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {
        "employers[1].code",
        "employers[2].region",
    }
    existing.refresh_from_db()
    assert existing.name == "旧名称"


def test_duplicate_codes_in_one_batch_are_named(service_client):
    row = {"code": make_credit_code(5), "name": "甲", "region": "610100"}
    response = service_client.post(URL, {"employers": [row, row]}, format="json")
    assert response.status_code == 400
    assert "employers[1].code" in response.json()["errors"]
    assert not Employer.objects.exists()
