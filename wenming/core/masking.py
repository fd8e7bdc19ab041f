"""Masking of personal data in lists (个人信息保护法): 138****5678, 110***********123X."""


def mask_mobile(mobile: str | None) -> str:
    if not mobile:
        return ""
    return mobile[:3] + "*" * (len(mobile) - 7) + mobile[-4:] if len(mobile) > 7 else "*" * len(mobile)


def mask_id_number(id_number: str | None) -> str:
    if not id_number:
        return ""
    if len(id_number) <= 7:
        return "*" * len(id_number)
    return id_number[:3] + "*" * (len(id_number) - 7) + id_number[-4:]


def mask_name(name: str | None) -> str:
    """张三丰 -> 张**: for public walls that must not show a full name."""
    if not name:
        return ""
    return name[0] + "*" * (len(name) - 1)
