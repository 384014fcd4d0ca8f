"""Refusals are the core's: every app raises the same classes, each answering its own status in
the API's one error shape, with the field it concerns; the rule it applies stays on the error."""

import pytest

from accounts.errors import BusinessRuleViolation, Forbidden, Invalid, NotFound, Refused
from config.exceptions import api_exception_handler


@pytest.mark.parametrize(
    ("refusal", "status"), [(NotFound, 404), (Forbidden, 403), (Refused, 409), (Invalid, 422)]
)
def test_each_refusal_answers_its_status_with_its_field(refusal, status):
    error = refusal("不能转账。", field="amount", rule="amount_limit")
    response = api_exception_handler(error, {})
    assert isinstance(error, BusinessRuleViolation) and error.rule == "amount_limit"
    assert response.status_code == status
    assert response.data == {"detail": "不能转账。", "errors": {"amount": ["不能转账。"]}}


def test_a_refusal_needs_neither_field_nor_rule():
    error = Refused("该转账已取消。")
    assert (error.field, error.rule) == (None, "")
    assert api_exception_handler(error, {}).data == {"detail": "该转账已取消。", "errors": {}}
