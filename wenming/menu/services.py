"""Writes of the service menu, the hotline and the kiosk. Each checks the caller's caps
(wenming.menu.permissions) and the input, and writes everything or nothing."""

import datetime
import hashlib
import hmac
import logging
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.core.errors import Conflict, DomainError, Forbidden
from wenming.inbox.channels import channels
from wenming.inbox.models import Notification
from wenming.orders.models import ServiceOrder
from wenming.orders.services import order_submit
from wenming.orgs.models import OrgNode, Platform
from wenming.orgs.permissions import can_manage, require_manage
from wenming.people.models import Resident, Skill, User
from wenming.people.services import resident_register
from wenming.people.validators import normalize_mobile

from .models import HotlineConsent, KioskCode, MenuCategory, MenuItem
from .permissions import category_caps, offering_nodes

log = logging.getLogger("wenming.menu")

ITEM_FIELDS = frozenset({"name", "description", "duration_minutes", "platform", "skills",
                         "home_visit", "position", "is_active"})
CATEGORY_FIELDS = frozenset({"name", "description", "position", "is_active"})


# ---- the menu ---------------------------------------------------------------------------

def _text(value: str, *, label: str, max_length: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError(_("请填写%(f)s") % {"f": label}, code="invalid_input")
    if len(value) > max_length:
        raise ValidationError(_("%(f)s不能超过%(n)d个字") % {"f": label, "n": max_length},
                              code="invalid_input")
    return value


def _skills(names) -> list[Skill]:
    names = sorted({(n or "").strip() for n in names or [] if (n or "").strip()})
    found = list(Skill.objects.filter(name__in=names))
    if unknown := set(names) - {s.name for s in found}:
        raise ValidationError(_("没有这些技能：%(s)s") % {"s": "、".join(sorted(unknown))},
                              code="invalid_skill")
    return found


def _clean_item(values: dict) -> dict:
    out = {}
    if "name" in values:
        out["name"] = _text(values["name"], label=_("服务项目"), max_length=60)
    if "description" in values:
        out["description"] = _text(values["description"], label=_("服务内容"), max_length=1000,
                                   required=False)
    if "duration_minutes" in values:
        minutes = values["duration_minutes"]
        if not isinstance(minutes, int) or not 10 <= minutes <= 24 * 60:
            raise ValidationError(_("预计时长应为10到1440分钟"), code="invalid_duration")
        out["duration_minutes"] = minutes
    if "platform" in values:
        if not isinstance(values["platform"], Platform) or not values["platform"].is_active:
            raise ValidationError(_("请选择服务平台"), code="invalid_platform")
        out["platform"] = values["platform"]
    for flag in ("home_visit", "is_active"):
        if flag in values:
            out[flag] = bool(values[flag])
    if "position" in values:
        out["position"] = max(0, min(int(values["position"] or 0), 999))
    return out


@transaction.atomic
def category_create(*, by: User, org: OrgNode, name: str, description: str = "",
                    position: int = 100) -> MenuCategory:
    """A district's new category; only its center's staff (or admins) add one."""
    if org.kind != OrgNode.Kind.CENTER:
        raise ValidationError(_("菜单类别属于实践中心"), code="invalid_org")
    require_manage(by, org)
    try:
        with transaction.atomic():
            return MenuCategory.objects.create(
                org=org, name=_text(name, label=_("类别"), max_length=30),
                description=_text(description, label=_("说明"), max_length=200, required=False),
                position=max(0, min(int(position or 0), 999)))
    except IntegrityError:
        raise Conflict(_("已有同名的类别"), code="duplicate_name") from None


@transaction.atomic
def category_update(*, by: User, category: MenuCategory, changes: dict) -> MenuCategory:
    if not category_caps(by, category).can_edit:
        raise Forbidden()
    if unknown := set(changes) - CATEGORY_FIELDS:
        raise ValidationError(_("不可修改：%(f)s") % {"f": "、".join(sorted(unknown))},
                              code="invalid_input")
    if "name" in changes:
        category.name = _text(changes["name"], label=_("类别"), max_length=30)
    if "description" in changes:
        category.description = _text(changes["description"], label=_("说明"), max_length=200,
                                     required=False)
    if "position" in changes:
        category.position = max(0, min(int(changes["position"] or 0), 999))
    if "is_active" in changes:
        category.is_active = bool(changes["is_active"])
    if MenuCategory.objects.filter(org=category.org, name=category.name).exclude(
            pk=category.pk).exists():
        raise Conflict(_("已有同名的类别"), code="duplicate_name")
    category.save()
    return category


@transaction.atomic
def item_create(*, by: User, category: MenuCategory, org: OrgNode | None = None, name: str,
                platform: Platform, description: str = "", duration_minutes: int = 60,
                skills=(), home_visit: bool = False, position: int = 100,
                is_active: bool = True) -> MenuItem:
    """A new item in a category: district-wide (offered at the center, by its staff) or
    local to an institute (by that institute's staff)."""
    allowed = offering_nodes(by, category)
    org = org or (allowed[0] if allowed else category.org)
    if not any(n.pk == org.pk for n in allowed):
        raise Forbidden(_("只能在本中心或本实践所范围内增加服务项目"))
    fields = _clean_item(dict(name=name, description=description, platform=platform,
                              duration_minutes=duration_minutes, home_visit=home_visit,
                              position=position, is_active=is_active))
    found = _skills(skills)
    if MenuItem.objects.filter(category=category, org=org, name=fields["name"]).exists():
        raise Conflict(_("该类别下已有同名的服务项目"), code="duplicate_name")
    item = MenuItem.objects.create(category=category, org=org, updated_by=by, **fields)
    item.skills.set(found)
    return item


@transaction.atomic
def item_update(*, by: User, item: MenuItem, changes: dict) -> MenuItem:
    """Edit an item (switching it off is `is_active`: orders keep pointing at it)."""
    if not can_manage(by, item.org):
        raise Forbidden()
    if unknown := set(changes) - ITEM_FIELDS:
        raise ValidationError(_("不可修改：%(f)s") % {"f": "、".join(sorted(unknown))},
                              code="invalid_input")
    fields = _clean_item(changes)
    found = _skills(changes["skills"]) if "skills" in changes else None
    for name, value in fields.items():
        setattr(item, name, value)
    if MenuItem.objects.filter(category=item.category, org=item.org, name=item.name).exclude(
            pk=item.pk).exists():
        raise Conflict(_("该类别下已有同名的服务项目"), code="duplicate_name")
    item.updated_by = by
    item.save()
    if found is not None:
        item.skills.set(found)
    return item


def item_check_orderable(*, item: MenuItem, station: OrgNode) -> Platform:
    """An order for `item` at `station`: the item must be on and offered there (the district's
    items everywhere in it, an institute's inside its subtree). Returns its platform."""
    if not (item.is_active and item.category.is_active):
        raise ValidationError(_("该服务项目已下架"), code="item_inactive")
    if not station.path.startswith(item.org.path):
        raise ValidationError(_("该服务项目不在您所在的地区提供"), code="item_not_offered")
    return item.platform


# ---- hotline intake (热线代点单) ----------------------------------------------------------

CONSENT_WORDING = _("已电话告知：中心将保存您的姓名、电话和住址，仅用于安排本次及今后的志愿服务")


def _hotline_resident(*, by: User, station: OrgNode, real_name: str, mobile: str,
                      address: str) -> tuple[Resident, bool]:
    """The caller's resident record: found by number in the staff member's subtree, or
    created on the spot (with a random password nobody knows: they can claim the account
    later by SMS)."""
    mobile = normalize_mobile(mobile)
    found = Resident.objects.filter(user__mobile=mobile).select_related("user", "station").first()
    if found is not None:
        if not can_manage(by, found.station):
            raise Conflict(_("该号码已登记为其他辖区的群众，请转其所属实践站办理"),
                           code="resident_elsewhere")
        return found, False
    resident = resident_register(real_name=real_name, mobile=mobile, station=station,
                                 password=secrets.token_urlsafe(24), address=address,
                                 lat=station.lat, lng=station.lng, is_elderly=False)
    return resident, True


@transaction.atomic
def hotline_order(*, by: User, station: OrgNode, real_name: str, mobile: str, address: str,
                  consent: bool, item: MenuItem, text: str = "",
                  wished_at: datetime.datetime) -> ServiceOrder:
    """Staff record a phone call as an order, finding or creating the caller's resident
    record; the consent they read out is noted. Nothing is kept if the order fails."""
    if station.kind != OrgNode.Kind.STATION:
        raise ValidationError(_("请选择群众所在的实践站"), code="invalid_station")
    require_manage(by, station)
    if not consent:
        raise ValidationError(_("请先告知来电群众并取得同意，再保存其信息"), code="consent_required")
    address = _text(address, label=_("住址"), max_length=200)
    resident, created = _hotline_resident(by=by, station=station, real_name=real_name,
                                          mobile=mobile, address=address)
    order = order_submit(by=by, kind=ServiceOrder.Kind.SERVICE, platform=item.platform,
                         item=item, resident=resident,
                         text=(text or "").strip() or item.name, address=address,
                         lat=resident.lat if resident.lat is not None else station.lat,
                         lng=resident.lng if resident.lng is not None else station.lng,
                         wished_at=wished_at, contact_name=resident.user.real_name,
                         contact_phone=resident.user.mobile)
    HotlineConsent.objects.create(resident=resident, order=order, noted_by=by,
                                  wording=str(CONSENT_WORDING), created_resident=created)
    return order


# ---- the kiosk's one-time codes ---------------------------------------------------------

CODE_MINUTES = 5
CODE_ATTEMPTS = 5
RESEND_SECONDS = 60


def _hash(code_id: int, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"kiosk:{code_id}:{code}".encode(), hashlib.sha256).hexdigest()


def kiosk_resident(*, station: OrgNode, mobile: str) -> Resident | None:
    """A resident of the kiosk's station (its subtree) with this number, or None."""
    try:
        mobile = normalize_mobile(mobile)
    except ValidationError:
        return None
    return Resident.objects.filter(user__mobile=mobile, station__path__startswith=station.path,
                                   user__is_active=True).select_related("user", "station").first()


def _send_code(user: User, code: str, key: str) -> None:
    """Straight through the outbound channels, not the inbox: a code is no message to keep,
    and the person is standing at the kiosk asking for it now (quiet hours do not apply)."""
    message = Notification(user=user, title=_("自助点单验证码"),
                           body=_("您的验证码是%(c)s，%(m)d分钟内有效。如非本人操作请忽略。") % {
                               "c": code, "m": CODE_MINUTES})
    for channel in channels():
        try:
            channel.send(message, key=key)
        except Exception:  # noqa: BLE001 - a failing gateway must not break the kiosk
            log.warning("kiosk code %s not sent through %s", key, channel.name, exc_info=True)


@transaction.atomic
def kiosk_code_send(*, station: OrgNode, mobile: str) -> None:
    """Text a six-digit code to a resident of the station. Says nothing about whether the
    number is registered (the same answer either way), and sends at most one a minute."""
    resident = kiosk_resident(station=station, mobile=mobile)
    if resident is None:
        return
    now = timezone.now()
    last = KioskCode.objects.select_for_update().filter(resident=resident).order_by(
        "-created_at").first()
    if last and (now - last.created_at).total_seconds() < RESEND_SECONDS:
        raise Conflict(_("验证码已发送，请稍等一分钟再试"), code="code_too_soon")
    KioskCode.objects.filter(resident=resident, used_at__isnull=True).update(used_at=now)
    code = f"{secrets.randbelow(10 ** 6):06d}"
    row = KioskCode.objects.create(station=station, resident=resident, code_hash="",
                                   expires_at=now + datetime.timedelta(minutes=CODE_MINUTES))
    KioskCode.objects.filter(pk=row.pk).update(code_hash=_hash(row.pk, code))
    transaction.on_commit(lambda: _send_code(resident.user, code, f"kiosk-{row.pk}"))


def kiosk_code_check(*, station: OrgNode, mobile: str, code: str) -> Resident:
    """The resident whose code this is. Every try counts (a conditional update, so racing
    tries cannot exceed the limit); the right code is spent once. Not one transaction on
    purpose: a wrong try must stay counted when the refusal is raised."""
    resident = kiosk_resident(station=station, mobile=mobile)
    now = timezone.now()
    row = KioskCode.objects.filter(resident=resident, station=station, used_at__isnull=True,
                                   expires_at__gt=now).order_by("-created_at").first() \
        if resident else None
    if row is None:
        raise DomainError(_("验证码已过期或不存在，请重新获取"), code="code_expired")
    counted = KioskCode.objects.filter(pk=row.pk, attempts__lt=CODE_ATTEMPTS).update(
        attempts=F("attempts") + 1)
    if not counted:
        raise DomainError(_("输错次数太多，请重新获取验证码"), code="code_locked")
    if not (code or "").isdigit() or not hmac.compare_digest(row.code_hash, _hash(row.pk, code)):
        raise DomainError(_("验证码不对，请再看一下短信"), code="code_wrong")
    if not KioskCode.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=now):
        raise DomainError(_("验证码已使用，请重新获取"), code="code_expired")
    return resident


@transaction.atomic
def kiosk_order(*, opened_by: User, station: OrgNode, resident: Resident, item: MenuItem,
                wished_at: datetime.datetime) -> ServiceOrder:
    """An order placed at the kiosk: on behalf of the resident who proved their number, by
    the staff member who opened the kiosk (they answer for the hall's screen)."""
    if not resident.station.path.startswith(station.path):
        raise Forbidden()
    place = resident if resident.lat is not None else resident.station
    return order_submit(by=opened_by, kind=ServiceOrder.Kind.SERVICE, platform=item.platform,
                        item=item, resident=resident, text=item.name,
                        address=resident.address or resident.station.address or
                        resident.station.name, lat=place.lat, lng=place.lng,
                        wished_at=wished_at)
