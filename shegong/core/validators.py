"""Validators for Chinese identifiers, with messages in Chinese (translated for English).

Every identifier, phone number, code and numeric filter goes through ``normalize_digits``
first: full-width forms typed on a Chinese keyboard (``４３０３``) become ASCII (NFKC), and
anything that is still not an ASCII digit is refused. Python's ``str.isdigit`` and ``\\d``
accept every Unicode digit (``²``, ``٤``), so neither is ever used on input.
"""

import datetime
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

ASCII_DIGITS = frozenset("0123456789")


def normalize_digits(value: object) -> str:
    """``value`` as text in NFKC form, trimmed, with inner spaces removed.

    NFKC turns full-width digits and letters (``４３０３``, ``Ｘ``) into ASCII; digits of
    other scripts (Arabic-Indic ``٤``, Devanagari ``४``) are left as they are, for the
    callers below to refuse.
    """
    text = unicodedata.normalize("NFKC", str(value if value is not None else ""))
    return "".join(text.split())


def is_ascii_digits(value: str, *, max_length: int | None = None) -> bool:
    """True for a non-empty string of 0-9 only (``²`` and ``٤`` are not digits here)."""
    return (
        bool(value)
        and all(c in ASCII_DIGITS for c in value)
        and (max_length is None or len(value) <= max_length)
    )


def ascii_digits_or_none(value: object, *, max_length: int = 18) -> str | None:
    """A typed number or code normalised to ASCII digits, or None when it is not one."""
    text = normalize_digits(value)
    return text if is_ascii_digits(text, max_length=max_length) else None


def parse_small_int(value: object, *, low: int = 0, high: int = 2**31 - 1) -> int | None:
    """A filter's integer (an id, a star count) within [low, high], or None: never raises."""
    text = ascii_digits_or_none(value, max_length=len(str(high)))
    if text is None:
        return None
    number = int(text)
    return number if low <= number <= high else None


# GB 32100-2015 统一社会信用代码: 18 characters from this 31-character alphabet
# (no I, O, S, V, Z); the 18th is a check character over the first 17.
CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = [pow(3, i, 31) for i in range(17)]
_CREDIT_CODE_RE = re.compile(rf"^[{CREDIT_CODE_CHARS}]{{18}}\Z")


def credit_code_check_char(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters."""
    total = sum(
        CREDIT_CODE_CHARS.index(c) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_CHARS[(31 - total % 31) % 31]


def normalize_credit_code(value: str) -> str:
    return normalize_digits(value).upper()


def validate_credit_code(value: str) -> None:
    code = normalize_credit_code(value)
    if not _CREDIT_CODE_RE.match(code):
        raise ValidationError(
            _(
                "A unified social credit code has 18 characters: digits and capital letters "
                "except I, O, S, V and Z."
            ),
            code="credit_code_format",
        )
    if credit_code_check_char(code[:17]) != code[17]:
        raise ValidationError(
            _("The check character of this unified social credit code is wrong; please check it."),
            code="credit_code_check",
        )


# ASCII digits only: re.ASCII makes \d mean [0-9], \Z refuses a trailing newline.
_PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?|\d{5,8})\Z", re.ASCII)


def normalize_phone(value: str) -> str:
    """A phone number as typed, in ASCII (full-width digits and dash converted)."""
    return normalize_digits(value).replace("－", "-")


def validate_phone(value: str) -> None:
    if value and not _PHONE_RE.match(value):
        raise ValidationError(
            _("Enter a mobile number (11 digits) or a landline such as 0731-12345678."),
            code="phone",
        )


# a number someone can be called back on: a mobile, or a landline with its area code (not
# an extension-less short service number such as 12345)
CALLBACK_PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})\Z", re.ASCII)


def validate_callback_phone(value: str) -> None:
    if not CALLBACK_PHONE.match(value or ""):
        raise ValidationError(
            _(
                "Give a mobile number (11 digits) or a landline with its area code, such as "
                "0731-12345678, so that we can call you back."
            ),
            code="phone",
        )


# GB 11643-1999 公民身份号码: 6-digit region, 8-digit birth date, 3-digit sequence (odd for
# men), and a check character (ISO 7064 MOD 11-2) over the first 17.
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


def id_check_char(first17: str) -> str:
    return ID_CHECK[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


class IdNumber:
    """A checked 18-character ID number with what it says about its holder."""

    def __init__(self, number: str, birth_date, sex: str):
        self.number = number
        self.birth_date = birth_date
        self.sex = sex  # "M" or "F"


def parse_id_number(value: str, *, today=None) -> IdNumber:
    """Check an ID number (18 characters, or a legacy 15-digit one, converted).

    Raises ValidationError with a message that says what is wrong.
    """

    raw = normalize_digits(value).upper()
    if re.fullmatch(r"[0-9]{15}", raw):
        first17 = raw[:6] + "19" + raw[6:]
        raw = first17 + id_check_char(first17)
    elif not re.fullmatch(r"[0-9]{17}[0-9X]", raw):
        raise ValidationError(
            _("An ID number has 18 characters (17 digits and a digit or X), or 15 digits."),
            code="id_format",
        )
    try:
        birth = datetime.date(int(raw[6:10]), int(raw[10:12]), int(raw[12:14]))
    except ValueError:
        raise ValidationError(
            _("The birth date inside this ID number does not exist."), code="id_birth"
        ) from None
    today = today or timezone.localdate()
    if birth > today or birth.year < 1890:
        raise ValidationError(
            _("The birth date inside this ID number is not possible."), code="id_birth"
        )
    if id_check_char(raw[:17]) != raw[17]:
        raise ValidationError(
            _("The check character of this ID number is wrong; please check the number."),
            code="id_check",
        )
    return IdNumber(raw, birth, "M" if int(raw[16]) % 2 else "F")


# Photos: what the bytes are, not what the name says.
IMAGE_SIGNATURES = {
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
}
MAX_PHOTO_BYTES = 5 * 1024 * 1024


def image_kind(head: bytes) -> str | None:
    for kind, signatures in IMAGE_SIGNATURES.items():
        if any(head.startswith(s) for s in signatures):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


def validate_photo(upload) -> str:
    """The image kind of an upload (jpeg, png, webp); ValidationError otherwise."""
    if upload.size > MAX_PHOTO_BYTES:
        raise ValidationError(
            _("“%(name)s” is larger than 5 MB."), code="photo_size", params={"name": upload.name}
        )
    head = upload.read(16)
    upload.seek(0)
    kind = image_kind(head)
    if kind is None:
        raise ValidationError(
            _("“%(name)s” is not a JPEG, PNG or WebP photo."),
            code="photo_type",
            params={"name": upload.name},
        )
    return kind


MAX_DOCUMENT_BYTES = 10 * 1024 * 1024


def document_kind(head: bytes) -> str | None:
    """pdf, jpeg, png or webp, by the file's first bytes (never by its name)."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    return image_kind(head)


def validate_document(upload) -> str:
    """The kind of an uploaded document (a certificate, a voucher): PDF or a JPEG, PNG or
    WebP image, checked by content, at most 10 MB; ValidationError otherwise."""
    if upload.size > MAX_DOCUMENT_BYTES:
        raise ValidationError(
            _("“%(name)s” is larger than 10 MB."),
            code="document_size",
            params={"name": upload.name},
        )
    head = upload.read(16)
    upload.seek(0)
    kind = document_kind(head)
    if kind is None:
        raise ValidationError(
            _("“%(name)s” is not a PDF or a JPEG, PNG or WebP image."),
            code="document_type",
            params={"name": upload.name},
        )
    return kind


CERTIFICATE_RE = re.compile(r"[0-9]{4}[0-9A-Z]{4,16}")


def validate_certificate_no(value: str) -> None:
    """A social work qualification certificate's management number (管理号): 8–20 ASCII
    digits and capital letters, beginning with the year it was issued (the national exam
    began in 2008)."""
    text = (value or "").strip().upper()
    if not text:
        return
    if not CERTIFICATE_RE.fullmatch(text) or not (2008 <= int(text[:4]) <= 2100):
        raise ValidationError(
            _(
                "A certificate number is 8–20 letters and digits beginning with its year (2008 or later)."
            ),
            code="certificate_no",
        )
