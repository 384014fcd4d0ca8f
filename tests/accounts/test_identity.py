"""公民身份号码 (GB 11643-1999) and 统一社会信用代码 (GB 32100-2015) validation."""

import contextlib
import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from accounts.identity import (
    credit_code_check_char,
    mask_national_id,
    national_id_check_char,
    validate_credit_code,
    validate_national_id,
)

ID_CHECK_CHARS = "0123456789X"
CREDIT_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@pytest.mark.parametrize(
    "national_id",
    ["11010519491231002X", "440524198001010013", "610102199001011231"],
)
def test_known_good_national_ids_pass(national_id):
    validate_national_id(national_id)


@pytest.mark.parametrize(
    ("national_id", "code"),
    [
        ("110105194912310021", "checksum"),  # X replaced by 1
        ("11010519491231002x", "format"),  # lower-case x
        ("1101051949123100", "length"),
        ("11010519490231002X", "birth_date"),  # 31 February
        ("91010519491231002X", "region"),
        ("99999919491231002X", "region"),  # no such division (GB/T 2260)
        ("440524188001010014", "birth_date"),  # born before 1900
        ("11010530001231002X", "birth_date"),  # born in the future
        ("11010519491231A02X", "format"),
    ],
)
def test_known_bad_national_ids_fail_with_reason(national_id, code):
    with pytest.raises(ValidationError) as excinfo:
        validate_national_id(national_id)
    assert excinfo.value.code == code


@pytest.mark.parametrize(
    "code", ["91110000802100433B", "91350100M000100Y43", "9144030071526726XG", "91310000717866186P"]
)
def test_known_good_credit_codes_pass(code):
    validate_credit_code(code)


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("91110000802100433C", "checksum"),
        ("91110000802100433", "length"),
        ("9111000080210043IB", "format"),  # I is not in the charset
        ("91A10000802100433B", "region"),
        ("91110000802100433b", "format"),
    ],
)
def test_known_bad_credit_codes_fail_with_reason(code, reason):
    with pytest.raises(ValidationError) as excinfo:
        validate_credit_code(code)
    assert excinfo.value.code == reason


# Real divisions (GB/T 2260), current and retired: 110103 崇文区 ended in 2010.
DIVISIONS = ["110101", "110103", "110105", "140105", "310104", "440524", "610102", "610113"]

id_bodies = st.builds(
    lambda region, birth, seq: f"{region}{birth:%Y%m%d}{seq:03d}",
    st.sampled_from(DIVISIONS),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2025, 12, 31)),
    st.integers(0, 999),
)


@given(id_bodies)
def test_every_id_with_its_check_char_passes_and_every_other_check_char_fails(body):
    good = national_id_check_char(body)
    validate_national_id(body + good)
    for wrong in ID_CHECK_CHARS.replace(good, ""):
        with pytest.raises(ValidationError):
            validate_national_id(body + wrong)


@given(id_bodies, st.integers(0, 16), st.integers(1, 9))
def test_a_single_changed_digit_is_caught(body, position, delta):
    """MOD 11-2 detects every single-digit error."""
    national_id = body + national_id_check_char(body)
    digit = (int(national_id[position]) + delta) % 10
    changed = national_id[:position] + str(digit) + national_id[position + 1 :]
    with pytest.raises(ValidationError):
        validate_national_id(changed)


credit_bodies = st.builds(
    lambda head, region, tail: head + region + tail,
    st.text(alphabet=CREDIT_CHARSET, min_size=2, max_size=2),
    st.sampled_from(DIVISIONS),
    st.text(alphabet=CREDIT_CHARSET, min_size=9, max_size=9),
)


@given(credit_bodies)
def test_every_credit_code_with_its_check_char_passes_and_others_fail(body):
    good = credit_code_check_char(body)
    validate_credit_code(body + good)
    for wrong in CREDIT_CHARSET.replace(good, "")[:5]:
        with pytest.raises(ValidationError):
            validate_credit_code(body + wrong)


@given(st.text(max_size=30))
def test_random_text_never_crashes_the_validators(text):
    for validator in (validate_national_id, validate_credit_code):
        with contextlib.suppress(ValidationError):
            validator(text)


def test_mask_shows_first_six_and_last_four():
    assert mask_national_id("61010219900101123X") == "610102********123X"
