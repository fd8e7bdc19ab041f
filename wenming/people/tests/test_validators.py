"""GB 11643-1999 identity numbers and mainland mobile numbers."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from wenming.people.validators import (
    compose_id_number,
    id_check_digit,
    normalize_mobile,
    parse_id_number,
)


@pytest.fixture(autouse=True)
def chinese():
    # An earlier request with Accept-Language: en leaves English active in this thread.
    with translation.override("zh-hans"):
        yield


regions = st.from_regex(r"[1-9][0-9]{5}", fullmatch=True)
births = st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date.today())
orders = st.integers(min_value=0, max_value=999)

# A published sample number (GB 11643 appendix style): 11010519491231002X.
SAMPLE = "11010519491231002X"


def test_it_reads_birth_date_and_sex_from_a_real_number():
    info = parse_id_number(SAMPLE)
    assert info.birth_date == datetime.date(1949, 12, 31)
    assert info.sex == "F"  # order code 002 is even
    assert info.number == SAMPLE


def test_it_accepts_a_lower_case_x_and_surrounding_spaces():
    assert parse_id_number(f"  {SAMPLE.lower()} ").number == SAMPLE


def test_it_accepts_full_width_digits_typed_with_a_chinese_input_method():
    full_width = SAMPLE.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    assert parse_id_number(full_width).number == SAMPLE


def test_it_refuses_digits_of_other_scripts():
    # int() reads Arabic-Indic digits; they must not give a second spelling of one number.
    arabic = "1" + SAMPLE[1:].translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    with pytest.raises(ValidationError):
        parse_id_number(arabic)


@pytest.mark.parametrize(("value", "fragment"), [
    ("11010519491231002", "18位"),  # 17: wrong length
    ("11010519491231002X1", "18位"),  # 19
    ("", "18位"),
    (None, "18位"),
    ("110105194912310021", "校验位"),  # bad checksum
    ("01010519491231002X", "格式"),  # leading zero region
    ("1101051949123100X2", "格式"),  # X not at the end
    ("11010519491231002Y", "格式"),
    ("110105199902300000", "不存在"),  # 30 February
    ("110105199913010000", "不存在"),  # month 13
    ("110105189912310000", "不合理"),  # before 1900
])
def test_it_refuses_a_bad_number_with_a_clear_message(value, fragment):
    with pytest.raises(ValidationError) as exc:
        parse_id_number(value)
    assert exc.value.code == "invalid_id_number"
    assert fragment in exc.value.messages[0]


def test_it_refuses_a_birth_date_in_the_future():
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        parse_id_number(compose_id_number("110108", tomorrow, 1))
    assert "不合理" in exc.value.messages[0]


@given(regions, births, orders)
def test_any_composed_number_validates_and_round_trips(region, birth, order):
    info = parse_id_number(compose_id_number(region, birth, order))
    assert info.birth_date == birth
    assert info.sex == ("M" if order % 2 else "F")
    assert info.number[:6] == region


@given(regions, births, orders, st.integers(min_value=0, max_value=17), st.data())
def test_any_single_character_change_breaks_a_number(region, birth, order, position, data):
    number = compose_id_number(region, birth, order)
    replacement = data.draw(st.sampled_from([c for c in "0123456789X" if c != number[position]]))
    changed = number[:position] + replacement + number[position + 1:]
    with pytest.raises(ValidationError):
        parse_id_number(changed)


def test_the_check_digit_follows_the_standard_weights():
    assert id_check_digit("11010519491231002") == "X"
    assert id_check_digit("44052418800101001") == "4"


mobiles = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)


@given(mobiles, st.sampled_from(["", "+86", "+86 ", " +86-"]),
       st.lists(st.sampled_from([" ", "-", "\u3000"]), min_size=2, max_size=2))
def test_any_mobile_normalizes_whatever_its_prefix_and_spacing(mobile, prefix, seps):
    written = f"{prefix}{mobile[:3]}{seps[0]}{mobile[3:7]}{seps[1]}{mobile[7:]}"
    assert normalize_mobile(written) == mobile


def test_it_accepts_a_full_width_mobile():
    assert normalize_mobile("１３９ １２３４ ５６７８") == "13912345678"


@pytest.mark.parametrize("value", [
    "", None, "1391234567", "139123456789", "12912345678", "23912345678", "abcdefghijk",
    "+1 650 555 1234", "+8613912345678x", "139١2345678", "8613912345678",
])
def test_it_refuses_a_malformed_mobile(value):
    with pytest.raises(ValidationError) as exc:
        normalize_mobile(value)
    assert exc.value.code == "invalid_mobile"
    assert "11位" in exc.value.messages[0]
