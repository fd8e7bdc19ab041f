"""`mask_numbers_in_text`: mobile and ID numbers in free text, however typed, are masked for
the public wall; other numbers (dates, prices, house numbers) stay."""

import pytest

from wenming.core.masking import mask_numbers_in_text


@pytest.mark.parametrize("text,masked", [
    ("请打13812345678联系我", "请打138****5678联系我"),
    ("电话 138 1234 5678。", "电话 138****5678。"),
    ("+86 138-1234-5678", "138****5678"),
    ("8613812345678", "138****5678"),
    ("１３８１２３４５６７８", "138****5678"),
    ("身份证11010819540312002X", "身份证110***********002X"),
    ("身份证 110108 19540312 002x", "身份证 110***********002X"),
    ("老身份证110108540312002", "老身份证110********2002"),
    ("两个号码13812345678和13987654321", "两个号码138****5678和139****4321"),
])
def test_numbers_in_free_text_are_masked(text, masked):
    assert mask_numbers_in_text(text) == masked


@pytest.mark.parametrize("text", [
    "想要一副300度的老花镜", "3号楼2单元501", "2026年3月12日10:30前", "大约50元", "", "1381234567",
])
def test_other_numbers_stay(text):
    assert mask_numbers_in_text(text) == text


def test_none_is_an_empty_text():
    assert mask_numbers_in_text(None) == ""
