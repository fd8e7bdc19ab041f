"""Services about accounts (a part of people's services, kept apart as services.py passed
500 lines): self-registration that tells nobody whether a number is taken, password change
and reset, and a login mobile changed only by proving the new number.

Every API token of an account ends when its password changes (`User.save`).
"""

import datetime
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from wenming.core.errors import Conflict, DomainError, Forbidden, TooManyAttempts
from wenming.core.masking import mask_id_number, mask_mobile
from wenming.inbox.services import notify
from wenming.orgs.models import OrgNode
from wenming.orgs.permissions import require_manage

from . import services
from .models import AuditLog, MobileChange, Resident, User, Volunteer
from .validators import normalize_mobile, parse_id_number

# What a taken mobile, ID number or (mobile-derived) username raises in registration.
DUPLICATE_CODES = {"duplicate_mobile", "duplicate_id_number", "duplicate_registration"}


# --- self-registration ---------------------------------------------------------------


def volunteer_apply(*, data: services.VolunteerInput) -> Volunteer | None:
    """Self-registration that answers the same whether or not the mobile or ID number is
    already registered: a new volunteer, or None when a number was taken. Then the owner of
    that number hears of it by inbox (and SMS), and staff see it in the audit log."""
    try:
        return services.volunteer_register(data=data)
    except Conflict as exc:
        if exc.code not in DUPLICATE_CODES:
            raise
    _duplicate_record(mobile=normalize_mobile(data.mobile), station=data.station,
                      id_number=parse_id_number(data.id_number).number, password=data.password)
    return None


def resident_apply(**values) -> Resident | None:
    """`resident_register` with the same silence about taken numbers as `volunteer_apply`."""
    try:
        return services.resident_register(**values)
    except Conflict as exc:
        if exc.code not in DUPLICATE_CODES:
            raise
    number = values.get("id_number")
    _duplicate_record(mobile=normalize_mobile(values["mobile"]), station=values["station"],
                      id_number=parse_id_number(number).number if number else None,
                      password=values["password"], residents=True)
    return None


@transaction.atomic
def _duplicate_record(*, mobile: str, id_number: str | None, password: str | None,
                      station: OrgNode, residents: bool = False) -> None:
    make_password(password)  # the cost of the account a new registration would have made
    holders = Resident.objects if residents else Volunteer.objects
    owners = {u.pk: u for u in User.objects.filter(mobile=mobile)}
    if id_number:
        owners |= {p.user.pk: p.user for p in holders.filter(id_number=id_number)
                   .select_related("user")}
    notify(users=owners.values(), title=_("有人用您的手机号或身份证号申请注册"),
           body=_("有人在“%(station)s”用您的手机号或身份证号提交了注册申请，未创建新账号。"
                  "如果是您本人，请直接用手机号和密码登录；如果不是，请留意账号安全。")
           % {"station": station.name})
    for owner in owners.values():
        services.audit_record(
            actor=None, action=AuditLog.Action.DUPLICATE_REGISTRATION, obj=owner, detail={
                "mobile": mask_mobile(mobile), "id_number": mask_id_number(id_number),
                "station_id": station.pk, "as": "resident" if residents else "volunteer"})


# --- passwords -----------------------------------------------------------------------


def password_change(*, user: User, current: str, new: str, request=None) -> User:
    """A user changes their own password, proving the current one. Given the `request`,
    the check goes through the login lockout, so a stolen session cannot guess it."""
    if request is not None:
        ok = authenticate(request, username=user.get_username(), password=current) == user
        if not ok and getattr(request, "axes_locked_out", False):
            request.axes_locked_out = False  # answered here, not by axes' HTML page
            raise TooManyAttempts()
    else:
        ok = user.check_password(current)
    if not ok:
        raise DomainError(_("当前密码不正确"), code="wrong_password")
    return _password_write(user=user, new=new)


def password_reset_by_staff(*, by: User, volunteer: Volunteer, new: str,
                            ip: str | None = None) -> User:
    """Staff of the volunteer's subtree set a new password (a volunteer who forgot theirs);
    audited, and the volunteer is told."""
    require_manage(by, volunteer.station)
    if volunteer.user_id == by.pk:
        raise Forbidden(_("请在“修改密码”中修改自己的密码"))
    user = _password_write(user=volunteer.user, new=new)
    services.audit_record(actor=by, action=AuditLog.Action.PASSWORD_RESET, obj=volunteer, ip=ip)
    notify(users=[user], title=_("您的登录密码已被重置"),
           body=_("实践站工作人员重置了您的登录密码。如非您本人申请，请尽快联系所在实践站。"))
    return user


@transaction.atomic
def _password_write(*, user: User, new: str) -> User:
    validate_password(new, user)
    user = User.objects.select_for_update().get(pk=user.pk)
    user.set_password(new)
    user.save(update_fields=["password"])  # ends every API token (User.save)
    return user


# --- a new login mobile, proved by a code sent to it -----------------------------------


@dataclass(frozen=True)
class OutboundText:
    """A text for a number that is not (yet) an account's: the shape the outbound channels
    read from an inbox notification (`user.mobile`, `title`, `body`)."""

    mobile: str
    title: str
    body: str
    url: str = ""

    @property
    def user(self):
        return self  # channels read notification.user.mobile


def sms_send(*, mobile: str, title: str, body: str) -> None:
    for path in settings.WENMING_OUTBOUND_CHANNELS:
        import_string(path)().send(OutboundText(mobile=mobile, title=title, body=body))


def _code_hash(change_user_id: int, mobile: str, code: str) -> str:
    return salted_hmac("wenming.mobile_change", f"{change_user_id}:{mobile}:{code}").hexdigest()


@transaction.atomic
def mobile_change_start(*, user: User, new_mobile: str) -> MobileChange:
    """Send a code to the new number; earlier codes of the user stop working. Whether the
    number is taken is told only at confirmation, to whoever holds that phone."""
    mobile = normalize_mobile(new_mobile)
    if mobile == user.mobile:
        raise ValidationError(_("新手机号与当前手机号相同"), code="same_mobile")
    now = timezone.now()
    User.objects.select_for_update().filter(pk=user.pk).first()  # one start at a time
    recent = MobileChange.objects.filter(user=user, created_at__gte=now - datetime.timedelta(
        hours=1)).count()
    if recent >= settings.WENMING_MOBILE_CODES_PER_HOUR:
        raise TooManyAttempts(_("验证码发送过于频繁，请一小时后再试"), code="too_many_codes")
    MobileChange.objects.filter(user=user, confirmed_at=None, expires_at__gt=now).update(
        expires_at=now)
    code = f"{secrets.randbelow(10 ** 6):06d}"
    minutes = settings.WENMING_MOBILE_CODE_MINUTES
    change = MobileChange.objects.create(
        user=user, new_mobile=mobile, code_hash=_code_hash(user.pk, mobile, code),
        expires_at=now + datetime.timedelta(minutes=minutes))
    text = _("您正在修改登录手机号，验证码 %(code)s，%(minutes)d 分钟内有效。如非本人操作，请忽略。") % {
        "code": code, "minutes": minutes}
    transaction.on_commit(lambda: sms_send(mobile=mobile, title=_("验证码"), body=text))
    return change


def mobile_change_pending(user: User) -> MobileChange | None:
    return (MobileChange.objects.filter(user=user, confirmed_at=None,
                                        expires_at__gt=timezone.now())
            .order_by("-created_at").first())


def mobile_change_confirm(*, user: User, code: str) -> User:
    """The code from the new phone: the login mobile changes. Each try uses up one of a
    few attempts, kept even when the try fails (so this is not one transaction); of two
    confirmations at once, one wins and the other is a 409."""
    change = (MobileChange.objects.filter(user=user, expires_at__gt=timezone.now())
              .order_by("-created_at").first())
    if change is None:
        raise DomainError(_("验证码已失效，请重新获取"), code="code_expired")
    if change.confirmed_at is not None:
        # A second confirmation of a code already used (e.g. one racing the first): 409.
        raise Conflict(_("该验证码已使用"), code="code_used")
    counted = MobileChange.objects.filter(
        pk=change.pk, attempts__lt=settings.WENMING_MOBILE_CODE_ATTEMPTS).update(
        attempts=F("attempts") + 1)
    if not counted:
        raise TooManyAttempts(_("验证码错误次数过多，请重新获取"), code="too_many_attempts")
    if not constant_time_compare(change.code_hash,
                                 _code_hash(user.pk, change.new_mobile, (code or "").strip())):
        raise DomainError(_("验证码不正确"), code="wrong_code")
    return _mobile_change_apply(change=change)


@transaction.atomic
def _mobile_change_apply(*, change: MobileChange) -> User:
    claimed = MobileChange.objects.filter(pk=change.pk, confirmed_at=None).update(
        confirmed_at=timezone.now())
    if not claimed:
        raise Conflict(_("该验证码已使用"), code="code_used")
    user = User.objects.select_for_update().get(pk=change.user_id)
    if User.objects.filter(mobile=change.new_mobile).exclude(pk=user.pk).exists():
        raise Conflict(_("该手机号已注册"), code="duplicate_mobile")
    user.mobile = change.new_mobile
    try:
        with transaction.atomic():
            user.save(update_fields=["mobile"])
    except IntegrityError:
        raise Conflict(_("该手机号已注册"), code="duplicate_mobile") from None
    return user
