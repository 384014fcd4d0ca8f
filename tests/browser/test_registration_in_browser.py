"""A known person registers in a real browser: ID, name and password, then the code that went
to the phone on file (read from the outbox), and lands signed in."""

import pytest

from tests.accounts.messages import last_code
from tests.factories import InsuredPersonFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "Qiang-mima-2026"


def test_a_person_registers_with_the_code_from_the_phone_on_file(live_server, browser_page):
    # given
    person = InsuredPersonFactory(name="李秀英", phone="13800001111")
    page = browser_page
    submit = ".form-card button[type=submit]"
    # when
    page.goto(f"{live_server.url}/register/")
    page.fill("input[name=national_id]", person.national_id)
    page.fill("input[name=name]", person.name)
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=password_confirm]", PASSWORD)
    page.click(submit)
    page.wait_for_url("**/register/confirm/")
    assert "经办窗口" in page.inner_text("main")
    page.fill("input[name=code]", last_code(person=person))
    page.click(submit)
    page.wait_for_url(f"{live_server.url}/")
    # then
    assert "注册成功" in page.inner_text("main")
    person.refresh_from_db()
    assert person.user is not None and person.phone == "13800001111"
