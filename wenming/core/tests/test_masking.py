from wenming.core.masking import mask_id_number, mask_mobile, mask_name


def test_it_masks_a_mobile_like_the_contract():
    assert mask_mobile("13812345678") == "138****5678"


def test_it_masks_an_id_number_like_the_contract():
    assert mask_id_number("11010819800501123X") == "110***********123X"


def test_it_never_shows_more_than_seven_digits_of_a_short_value():
    assert mask_mobile("1234567") == "*******"
    assert mask_id_number("1234") == "****"


def test_it_masks_empty_values_as_empty():
    assert mask_mobile(None) == mask_mobile("") == ""
    assert mask_id_number(None) == ""
    assert mask_name("") == ""


def test_it_keeps_only_the_family_name():
    assert mask_name("张三丰") == "张**"
