"""Staff second factor (django-otp): one TOTP authenticator per staff user, plus recovery codes.

The authenticator is created unconfirmed when the set-up page is first shown and only counts
once a first code from it was entered. Recovery codes are one-time StaticDevice tokens.
"""

import re

from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.models import VerifyNotAllowed
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.errors import BusinessRuleViolation
from accounts.models import User

AUTHENTICATOR_NAME = "authenticator"
RECOVERY_NAME = "recovery"
RECOVERY_CODE_COUNT = 10
TOTP_TOKEN = re.compile(r"\d{6}")


def has_authenticator(*, user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def authenticator_of(*, user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


@transaction.atomic
def authenticator_pending(*, user: User) -> TOTPDevice:
    """The unconfirmed authenticator the set-up page shows (created on the first visit, the
    same one on a reload). Refuses a user who already has a confirmed one: replacing it
    takes a superuser deleting the old one in the admin."""
    if has_authenticator(user=user):
        raise BusinessRuleViolation(_("已设置身份验证器。"))
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)


def authenticator_confirm(*, user: User, token: str) -> list[str]:
    """Confirms the pending authenticator with its first code and returns fresh recovery
    codes. Refuses: no pending authenticator (or one already confirmed); a wrong code (the
    failure is recorded for django-otp's growing delay, so the refusal comes after commit)."""
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False)
            .order_by("pk")
            .first()
        )
        if device is None or has_authenticator(user=user):
            raise BusinessRuleViolation(_("没有待确认的身份验证器，请重新打开设置页面。"))
        refusal = _verify(device, token.strip())
        if refusal is None:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=user, confirmed=False).delete()
            return _recovery_codes_replace(user)
    raise refusal


@transaction.atomic
def recovery_codes_renew(*, user: User) -> list[str]:
    """New recovery codes for a staff user with an authenticator; the old ones stop working.
    Refuses a user without a confirmed authenticator."""
    if not has_authenticator(user=user):
        raise BusinessRuleViolation(_("请先设置身份验证器。"))
    return _recovery_codes_replace(user)


def token_verify(*, user: User, token: str) -> TOTPDevice | StaticDevice:
    """The device that accepts `token`: six digits go to the authenticator, anything else is
    a recovery code (used up). Refuses a wrong code and, after repeated failures, any code for
    a while (django-otp's growing delay; failures are committed before the refusal)."""
    token = token.strip().replace(" ", "")
    if TOTP_TOKEN.fullmatch(token):
        model, filters = TOTPDevice, {"confirmed": True}
    else:
        token = token.lower()
        model, filters = StaticDevice, {"name": RECOVERY_NAME}
    with transaction.atomic():
        device = model.objects.select_for_update().filter(user=user, **filters).first()
        if device is None:
            refusal = BusinessRuleViolation(_("动态验证码错误。"), field="otp_token")
        else:
            refusal = _verify(device, token)
        if refusal is None:
            return device
    raise refusal


def _verify(device, token: str) -> BusinessRuleViolation | None:
    """None when the device accepts the token, else the refusal to raise after commit."""
    allowed, extra = device.verify_is_allowed()
    if not allowed:
        if extra and extra.get("reason") == VerifyNotAllowed.N_FAILED_ATTEMPTS:
            return BusinessRuleViolation(
                _("动态验证码错误次数过多，请稍后再试。"), field="otp_token", status_code=429
            )
        return BusinessRuleViolation(_("暂时不能验证动态验证码，请稍后再试。"), field="otp_token")
    if not device.verify_token(token):
        return BusinessRuleViolation(_("动态验证码错误。"), field="otp_token")
    return None


def _recovery_codes_replace(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _i in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes
