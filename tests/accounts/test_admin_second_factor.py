"""Staff sign in to the admin with a second factor: a TOTP authenticator set up on the first
sign-in through a QR code, and one-time recovery codes (issue #9, item 10)."""

import base64
import datetime as dt
import importlib
import re
import time

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.services import second_factor
from tests.factories import TEST_PASSWORD, StaffUserFactory, region

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"
SETUP = "/admin/otp/setup/"


@pytest.fixture(autouse=True)
def otp_required(settings):
    settings.ADMIN_REQUIRE_OTP = True


@pytest.fixture
def staff(db):
    return StaffUserFactory(regions=[region("610100")])


def code_for(device: TOTPDevice, *, offset_steps: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + offset_steps * device.step
    return f"{totp.token():0{device.digits}d}"


def with_authenticator(user) -> TOTPDevice:
    device = second_factor.authenticator_pending(user=user)
    second_factor.authenticator_confirm(user=user, token=code_for(device))
    return TOTPDevice.objects.get(pk=device.pk)


def sign_in(client, user, token: str = ""):
    return client.post(
        LOGIN,
        {
            "username": user.username,
            "password": TEST_PASSWORD,
            "otp_token": token,
            "next": "/admin/",
        },
    )


def test_a_password_session_alone_does_not_open_the_admin(client, staff):
    """A staff user signed in by password only (as at /login/) is sent to the admin login."""
    # given
    client.force_login(staff)
    # when
    response = client.get("/admin/")
    # then
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_without_the_setting_a_password_session_opens_the_admin(client, staff, settings):
    """Local and test settings: the second factor is optional."""
    # given
    settings.ADMIN_REQUIRE_OTP = False
    client.force_login(staff)
    # when
    response = client.get("/admin/")
    # then
    assert response.status_code == 200


def test_production_settings_require_the_second_factor(monkeypatch):
    # given
    monkeypatch.setenv("SECRET_KEY", "x" * 50)
    monkeypatch.setenv("ALLOWED_HOSTS", "portal.example.cn")
    monkeypatch.delenv("ADMIN_REQUIRE_OTP", raising=False)
    # when
    production = importlib.import_module("config.settings.production")
    production = importlib.reload(production)
    # then
    assert production.ADMIN_REQUIRE_OTP is True


def test_staff_with_an_authenticator_need_its_code_to_sign_in(client, staff):
    """The right password without the code, or with a wrong code, opens nothing."""
    # given
    device = with_authenticator(staff)
    # when
    without = sign_in(client, staff)
    wrong = sign_in(client, staff, token=f"{(int(code_for(device)) + 1) % 10**6:06d}")
    # then
    assert without.status_code == 200
    assert "请输入动态验证码" in without.content.decode()
    assert wrong.status_code == 200
    assert "动态验证码错误" in wrong.content.decode()
    assert client.get("/admin/").status_code == 302


def test_staff_sign_in_with_password_and_code(client, staff):
    # given
    device = with_authenticator(staff)
    # when
    response = sign_in(client, staff, token=code_for(device, offset_steps=1))
    # then
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_first_sign_in_sets_up_the_authenticator_with_a_qr_code_then_shows_recovery_codes(
    client, staff
):
    """No authenticator yet: the password leads to the set-up page (a QR code as a data:
    image, no script); the first code confirms it and the recovery codes are shown once."""
    # when: password only
    signed_in = sign_in(client, staff)
    setup_redirect = client.get(signed_in["Location"], follow=False)
    login_page = client.get(LOGIN)
    page = client.get(SETUP)
    # then
    assert signed_in.status_code == 302
    assert client.get("/admin/").status_code == 302
    assert setup_redirect.status_code == 302
    assert login_page["Location"] == SETUP
    body = page.content.decode()
    assert 'src="data:image/svg+xml;base64,' in body
    svg = base64.b64decode(re.search(r"data:image/svg\+xml;base64,([^\"]+)", body).group(1))
    assert b"<svg" in svg
    assert "<script>" not in body
    device = TOTPDevice.objects.get(user=staff)
    assert not device.confirmed
    assert base64.b32encode(device.bin_key).decode() in body

    # when: a wrong first code
    wrong = client.post(SETUP, {"otp_token": f"{(int(code_for(device)) + 1) % 10**6:06d}"})
    # then
    assert "动态验证码错误" in wrong.content.decode()
    device.refresh_from_db()
    assert not device.confirmed

    # when: the right one (the failed try started django-otp's delay; let it pass)
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    confirmed = client.post(SETUP, {"otp_token": code_for(device)})
    # then
    device.refresh_from_db()
    assert device.confirmed
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", confirmed.content.decode())
    assert len(codes) == second_factor.RECOVERY_CODE_COUNT
    assert set(
        StaticToken.objects.filter(device__user=staff).values_list("token", flat=True)
    ) == set(codes)
    assert client.get("/admin/").status_code == 200


def test_the_set_up_page_offers_no_new_secret_once_an_authenticator_exists(client, staff):
    """Someone holding only the password cannot enrol a second authenticator of their own."""
    # given
    with_authenticator(staff)
    client.force_login(staff)
    # when
    response = client.post(SETUP, {"otp_token": "123456"})
    # then
    assert response.status_code == 302
    assert TOTPDevice.objects.filter(user=staff).count() == 1


def test_the_set_up_page_needs_a_staff_password_sign_in_first(client, person):
    # given
    client.force_login(person.user)
    # when
    response = client.get(SETUP)
    # then
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert not TOTPDevice.objects.exists()


def test_a_recovery_code_signs_in_once(client, staff):
    """Phone lost: a recovery code replaces the code, once."""
    # given
    device = with_authenticator(staff)
    code = StaticToken.objects.filter(device__user=staff).first().token
    # when
    first = sign_in(client, staff, token=code.upper())
    client.logout()
    second = sign_in(client, staff, token=code)
    # then
    assert first.status_code == 302
    assert second.status_code == 200
    assert "动态验证码错误" in second.content.decode()
    assert device.user_id == staff.pk


def test_repeated_wrong_codes_lock_the_authenticator_for_a_while(client, staff, time_machine):
    """After wrong codes django-otp refuses even the right one until its delay passes."""
    # given: the clock stands still, so the delay cannot run out during the test
    time_machine.move_to(dt.datetime(2026, 5, 4, 10, 0, tzinfo=dt.UTC), tick=False)
    device = with_authenticator(staff)
    right = code_for(device, offset_steps=1)
    for _i in range(3):
        sign_in(client, staff, token="000000" if right != "000000" else "111111")
    # when
    refused = sign_in(client, staff, token=right)
    time_machine.shift(dt.timedelta(minutes=1))
    later = sign_in(client, staff, token=code_for(device, offset_steps=1))
    # then
    assert refused.status_code == 200
    assert "次数过多" in refused.content.decode()
    assert later.status_code == 302


def test_verified_staff_replace_their_recovery_codes(client, staff):
    # given
    device = with_authenticator(staff)
    old = set(StaticToken.objects.values_list("token", flat=True))
    sign_in(client, staff, token=code_for(device, offset_steps=1))
    # when
    response = client.post("/admin/otp/recovery-codes/")
    # then
    new = set(StaticToken.objects.values_list("token", flat=True))
    assert len(new) == second_factor.RECOVERY_CODE_COUNT
    assert not new & old
    assert all(code in response.content.decode() for code in new)
