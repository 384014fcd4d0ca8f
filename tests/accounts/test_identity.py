"""公民身份号码 (GB 11643-1999) and 统一社会信用代码 (GB 32100-2015) validation."""

import contextlib
import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from accounts.identity import (
    credit_code_check_char,
    is_division_code,
    mask_national_id,
    national_id_check_char,
    normalize_national_id,
    normalize_username,
    validate_credit_code,
    validate_date_in_range,
    validate_name,
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
        ("99999919491231002X", "region"),
        ("11019919491231002X", "region"),  # no such division in GB/T 2260
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


# --- typed national IDs, division codes, names, dates (issue 9) -------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "61010219900101001x",
        " 610102 19900101 001X ",
        "６１０１０２１９９００１０１００１Ｘ",
        "610102\u300019900101001ｘ",
    ],
)
def test_a_national_id_is_normalised_from_what_people_type(typed):
    assert normalize_national_id(typed) == "61010219900101001X"
    validate_national_id(normalize_national_id(typed))


@pytest.mark.parametrize(
    "typed", ["6101021990010100³X", "61010219900101001Ⅹ", "610102-19900101001X"]
)
def test_only_the_documented_slips_are_normalised(typed):
    with pytest.raises(ValidationError):
        validate_national_id(normalize_national_id(typed))


def test_a_username_is_normalised_only_when_it_is_a_national_id():
    assert normalize_username("61010219900101123x") == "61010219900101123X"
    assert normalize_username("staff_xian") == "staff_xian"
    assert normalize_username("91 61") == "91 61"


@pytest.mark.parametrize("code", ["999999", "610199", "110000x", "６１０１０２", "61010²"])
def test_division_codes_come_from_the_gb_t_2260_table(code):
    assert not is_division_code(code)


def test_a_credit_code_names_a_real_division():
    body = "91999999MA0000001"
    with pytest.raises(ValidationError) as excinfo:
        validate_credit_code(body + credit_code_check_char(body))
    assert excinfo.value.code == "region"


@pytest.mark.parametrize("name", ["王\u202e伟", "王\u200b伟", "王\t伟", "王\u2029伟", "王\udc00伟"])
def test_names_refuse_invisible_and_reordering_characters(name):
    with pytest.raises(ValidationError):
        validate_name(name)


def test_an_aware_time_that_overflows_in_shanghai_is_out_of_range():
    late = dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=dt.timezone(dt.timedelta(hours=-12)))
    with pytest.raises(ValidationError):
        validate_date_in_range(late)
    validate_date_in_range(dt.datetime(2100, 12, 31, 15, 59, tzinfo=dt.UTC))
    with pytest.raises(ValidationError):
        validate_date_in_range(dt.datetime(2100, 12, 31, 16, 0, tzinfo=dt.UTC))
