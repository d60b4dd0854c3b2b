import pytest
from django.core.exceptions import ValidationError

from shegong.core.validators import credit_code_check_char, validate_credit_code, validate_phone


def test_known_valid_code():
    validate_credit_code("91350100M000100Y43")


def test_generated_code_round_trips():
    first17 = "52430302MJJ123456"
    validate_credit_code(first17 + credit_code_check_char(first17))


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("91350100M000100Y44", "credit_code_check"),  # wrong check character
        ("91350100M000100Y4", "credit_code_format"),  # 17 characters
        ("91350100M000100I43", "credit_code_format"),  # I is not in the alphabet
        ("", "credit_code_format"),
    ],
)
def test_invalid_codes_name_the_problem(code, error):
    with pytest.raises(ValidationError) as exc:
        validate_credit_code(code)
    assert exc.value.code == error


def test_lower_case_is_accepted_as_upper():
    validate_credit_code("91350100m000100y43")


@pytest.mark.parametrize("phone", ["13812345678", "0731-58211234", "073158211234", "12345"])
def test_phone_accepts_mobile_landline_and_hotline(phone):
    validate_phone(phone)


@pytest.mark.parametrize("phone", ["1381234567", "abc", "23812345678"])
def test_phone_rejects_garbage(phone):
    with pytest.raises(ValidationError):
        validate_phone(phone)
