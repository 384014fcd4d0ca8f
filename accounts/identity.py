"""Chinese identity numbers: 公民身份号码 (GB 11643-1999) and 统一社会信用代码 (GB 32100-2015)."""

import datetime as dt
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum import numdb

# Every date the system takes in lies in this range (after conversion to Asia/Shanghai).
DATE_MIN = dt.date(1900, 1, 1)
DATE_MAX = dt.date(2100, 12, 31)

_ID_WEIGHTS = [2 ** (17 - i) % 11 for i in range(17)]
_ID_CHECK_CHARS = "10X98765432"

_CREDIT_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = [3**i % 31 for i in range(17)]


# What people type for an ID that is still theirs: spaces (ASCII or ideographic), full-width
# digits and X, a lower-case x. Nothing else is rewritten.
_ID_TYPING = str.maketrans(
    {**{chr(0xFF10 + d): str(d) for d in range(10)}, "Ｘ": "X", "ｘ": "X", "x": "X"}
)
_ID_SPACES = re.compile(r"[ \u3000]+")
_NATIONAL_ID_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")


def normalize_national_id(value):
    """The national ID as typed → its canonical form (strings only; anything else unchanged).

    Only the documented slips are corrected; every other character is left for the validator
    to refuse."""
    if not isinstance(value, str):
        return value
    return _ID_SPACES.sub("", value.strip()).translate(_ID_TYPING)


def normalize_username(value):
    """A sign-in name: normalised like a national ID when it then has a national ID's shape."""
    normalised = normalize_national_id(value)
    if isinstance(normalised, str) and _NATIONAL_ID_SHAPE.match(normalised):
        return normalised
    return value


def is_ascii_digits(value: str) -> bool:
    """str.isdigit() and int() accept '²', '①' and full-width digits; identifiers do not."""
    return value.isascii() and value.isdigit()


def is_division_code(code: str) -> bool:
    """A GB/T 2260 county-level code in python-stdnum's table, current or retired.

    Retired codes count (old IDs keep them) and so do codes created after the birth year
    (an ID is issued where a person is registered, which may be later than birth), so the
    table's validity years are not checked, unlike stdnum.cn.ric."""
    if len(code) != 6 or not is_ascii_digits(code):
        return False
    # numdb reads python-stdnum's cn/loc.dat once and keeps it.
    return any("county" in props for _part, props in numdb.get("cn/loc").info(code))


def national_id_check_char(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character for the first 17 digits."""
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARS[total % 11]


def validate_national_id(value: str) -> None:
    if not isinstance(value, str) or len(value) != 18:
        raise ValidationError(_("身份证号码必须是18位。"), code="length")
    body, check = value[:17], value[17]
    if not is_ascii_digits(body) or not (is_ascii_digits(check) or check == "X"):
        raise ValidationError(
            _("身份证号码前17位必须是数字，最后一位是数字或大写字母X。"), code="format"
        )
    if not is_division_code(body[:6]):
        raise ValidationError(_("身份证号码的地区码无效。"), code="region")
    try:
        birth = dt.date(int(body[6:10]), int(body[10:12]), int(body[12:14]))
    except ValueError:
        raise ValidationError(
            _("身份证号码中的出生日期不是有效日期。"), code="birth_date"
        ) from None
    if birth < DATE_MIN or birth > dt.date.today():
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


def mask_name(value: str) -> str:
    """王小明 → 王**: the family name only, as statements show a counterparty."""
    return value[:1] + "*" * (len(value) - 1) if value else ""


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
    if not is_division_code(value[2:8]):
        raise ValidationError(_("统一社会信用代码第3至8位必须是行政区划码。"), code="region")
    if credit_code_check_char(value[:17]) != value[17]:
        raise ValidationError(_("统一社会信用代码校验位错误。"), code="checksum")


# Control, format (zero-width, bidirectional overrides), private-use, surrogate, line and
# paragraph separator characters: invisible or reordering, never part of a name. Unassigned
# code points pass: rare characters of newer Unicode versions than Python's are real names.
_NAME_REFUSED_CATEGORIES = {"Cc", "Cf", "Co", "Cs", "Zl", "Zp"}


def validate_name(value: str) -> None:
    """A person's or an employer's name: printable characters only."""
    if any(unicodedata.category(c) in _NAME_REFUSED_CATEGORIES for c in value):
        raise ValidationError(
            _("名称不能包含控制字符、零宽字符或文字方向控制符。"), code="characters"
        )


def validate_date_in_range(value: dt.date | dt.datetime) -> None:
    """Dates and times (the latter in Asia/Shanghai) from 1900-01-01 to 2100-12-31."""
    if isinstance(value, dt.datetime):
        try:
            value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
        except OverflowError:
            value = None
    if value is None or not DATE_MIN <= value <= DATE_MAX:
        raise ValidationError(
            _("日期必须在 %(min)s 至 %(max)s 之间。"),
            code="date_range",
            params={"min": DATE_MIN.isoformat(), "max": DATE_MAX.isoformat()},
        )
