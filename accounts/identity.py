"""Chinese identity numbers: 公民身份号码 (GB 11643-1999) and 统一社会信用代码 (GB 32100-2015)."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_ID_WEIGHTS = [2 ** (17 - i) % 11 for i in range(17)]
_ID_CHECK_CHARS = "10X98765432"

_CREDIT_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = [3**i % 31 for i in range(17)]


def national_id_check_char(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character for the first 17 digits."""
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARS[total % 11]


def validate_national_id(value: str) -> None:
    if not isinstance(value, str) or len(value) != 18:
        raise ValidationError(_("身份证号码必须是18位。"), code="length")
    body, check = value[:17], value[17]
    if not body.isdigit() or not (check.isdigit() or check == "X"):
        raise ValidationError(
            _("身份证号码前17位必须是数字，最后一位是数字或大写字母X。"), code="format"
        )
    if body[0] not in "12345678":
        raise ValidationError(_("身份证号码的地区码无效。"), code="region")
    try:
        birth = dt.date(int(body[6:10]), int(body[10:12]), int(body[12:14]))
    except ValueError:
        raise ValidationError(
            _("身份证号码中的出生日期不是有效日期。"), code="birth_date"
        ) from None
    if birth.year < 1800 or birth > dt.date.today():
        raise ValidationError(_("身份证号码中的出生日期不合理。"), code="birth_date")
    if national_id_check_char(body) != check:
        raise ValidationError(_("身份证号码校验位错误。"), code="checksum")


def birth_date_from_national_id(value: str) -> dt.date:
    return dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


def mask_national_id(value: str) -> str:
    """610102********123X: first 6 and last 4 characters only."""
    if not value or len(value) < 10:
        return "*" * len(value or "")
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def credit_code_check_char(first17: str) -> str:
    total = sum(_CREDIT_CHARSET.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return _CREDIT_CHARSET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    if not isinstance(value, str) or len(value) != 18:
        raise ValidationError(_("统一社会信用代码必须是18位。"), code="length")
    if any(c not in _CREDIT_CHARSET for c in value):
        raise ValidationError(
            _("统一社会信用代码只能包含数字和大写字母（不含I、O、Z、S、V）。"), code="format"
        )
    if not value[2:8].isdigit():
        raise ValidationError(_("统一社会信用代码第3至8位必须是行政区划码。"), code="region")
    if credit_code_check_char(value[:17]) != value[17]:
        raise ValidationError(_("统一社会信用代码校验位错误。"), code="checksum")
