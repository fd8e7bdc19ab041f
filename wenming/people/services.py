"""Every write about people: registration, profile changes, approval, tokens, audit.

Each function is one use case in one transaction; permission and state are checked first.
"""

import datetime
import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.core.bulk import bulk_insert, bulk_insert_objects
from wenming.core.errors import Conflict, Forbidden
from wenming.geo import cell_of
from wenming.orgs.models import OrgNode, Platform, RoleAssignment
from wenming.orgs.permissions import can_manage, is_staff_member, require_manage
from wenming.stats import tally

from .models import ApiToken, AuditLog, AvailabilitySlot, Resident, Skill, User, Volunteer
from .numbering import numbers_for_stations
from .validators import normalize_mobile, parse_id_number

Role = RoleAssignment.Role
MAX_SKILLS = 20


@dataclass
class VolunteerInput:
    """What a volunteer registration carries, as the API contract names it."""

    real_name: str
    id_number: str
    mobile: str
    password: str | None
    station: OrgNode
    skills: Sequence[str] = ()
    service_categories: Sequence[str] = ()
    residence_area: str = ""
    political_status: str = Volunteer.Political.MASSES
    tags: Sequence[str] = ()
    home_lat: float | None = None
    home_lng: float | None = None
    availability: list = field(default_factory=list)
    username: str | None = None


def _clean_name(value: str) -> str:
    name = (value or "").strip()
    if not 2 <= len(name) <= 30:
        raise ValidationError(_("姓名应为2到30个字"), code="invalid_name")
    return name


def _check_station(station: OrgNode) -> None:
    if station.kind != OrgNode.Kind.STATION:
        raise ValidationError(_("请选择一个实践站"), code="invalid_station")


def _check_choices(values: Iterable[str], allowed: Iterable[str], message: str, code: str):
    values = list(dict.fromkeys(v.strip() for v in values if v and v.strip()))
    unknown = [v for v in values if v not in set(allowed)]
    if unknown:
        raise ValidationError(message % {"value": "、".join(unknown)}, code=code)
    return values


def _clean_skills(skills: Sequence[str]) -> list[str]:
    names = list(dict.fromkeys(s.strip() for s in skills if s and s.strip()))
    if len(names) > MAX_SKILLS or any(len(n) > 30 for n in names):
        raise ValidationError(_("技能最多20项，每项不超过30个字"), code="invalid_skills")
    return names


def _clean_availability(slots: list) -> list[dict]:
    cleaned = []
    for slot in slots or []:
        try:
            weekday, start, end = int(slot["weekday"]), str(slot["start"]), str(slot["end"])
            valid = 0 <= weekday <= 6 and datetime.time.fromisoformat(start) < \
                datetime.time.fromisoformat(end)
        except (KeyError, TypeError, ValueError):
            valid = False
        if not valid:
            raise ValidationError(_("可服务时段格式不正确：需要星期(0-6)和开始、结束时间(HH:MM)"),
                                  code="invalid_availability")
        cleaned.append({"weekday": weekday, "start": start[:5], "end": end[:5]})
    return cleaned


def _check_coordinates(lat: float | None, lng: float | None) -> None:
    if (lat is None) != (lng is None):
        raise ValidationError(_("经纬度须同时填写"), code="invalid_location")
    if lat is not None and not (3.0 <= lat <= 54.0 and 73.0 <= lng <= 136.0):
        raise ValidationError(_("位置不在中国境内，请检查经纬度"), code="invalid_location")


def _check_unique(*, id_number: str | None, mobile: str | None, exclude_user=None) -> None:
    users = User.objects.exclude(pk=getattr(exclude_user, "pk", None))
    if mobile and users.filter(mobile=mobile).exists():
        raise Conflict(_("该手机号已注册"), code="duplicate_mobile")
    if id_number and (Volunteer.objects.exclude(user=exclude_user).filter(id_number=id_number)
                      .exists()):
        raise Conflict(_("该身份证号已注册为志愿者"), code="duplicate_id_number")


def _set_skills(volunteer: Volunteer, names: list[str]) -> None:
    existing = {s.name: s for s in Skill.objects.filter(name__in=names)}
    missing = [Skill(name=n) for n in names if n not in existing]
    Skill.objects.bulk_create(missing, ignore_conflicts=True)
    volunteer.skills.set(Skill.objects.filter(name__in=names))


def _set_categories(volunteer: Volunteer, codes: list[str]) -> None:
    volunteer.service_categories.set(Platform.objects.filter(code__in=codes))


def volunteer_slots_write(*, volunteers: Sequence[Volunteer], new: bool = False) -> None:
    """Write the `AvailabilitySlot` rows of `volunteers` from their saved `availability` and
    `home_cell`, replacing those they had (`new`: they have none yet). Every change of either
    goes through here, so the copy the candidate ranking searches stays exact."""
    if not new:
        AvailabilitySlot.objects.filter(volunteer__in=[v.pk for v in volunteers]).delete()
    AvailabilitySlot.objects.bulk_create(
        [AvailabilitySlot(volunteer_id=v.pk, weekday=weekday, start=start, end=end,
                          cell=v.home_cell)
         for v in volunteers
         for weekday, start, end in AvailabilitySlot.rows_for(v.availability)],
        batch_size=5000)


def _prepare_volunteer(data: VolunteerInput) -> dict:
    """Validate one registration; returns the cleaned values or raises ValidationError."""
    _check_station(data.station)
    info = parse_id_number(data.id_number)
    cleaned = {
        "real_name": _clean_name(data.real_name),
        "id": info,
        "mobile": normalize_mobile(data.mobile),
        "skills": _clean_skills(data.skills),
        "categories": _check_choices(
            data.service_categories, Platform.objects.values_list("code", flat=True),
            _("未知的服务类别：%(value)s"), "invalid_service_category"),
        "tags": _check_choices(data.tags, Volunteer.Tag.values, _("未知的身份标签：%(value)s"),
                               "invalid_tag"),
        "availability": _clean_availability(data.availability),
    }
    if data.political_status not in Volunteer.Political.values:
        raise ValidationError(_("政治面貌不正确"), code="invalid_political_status")
    _check_coordinates(data.home_lat, data.home_lng)
    if data.password is not None:
        validate_password(data.password)
    return cleaned


@transaction.atomic
def volunteer_register(*, data: VolunteerInput, by: User | None = None) -> Volunteer:
    """Register a volunteer (self-service when `by` is None, or by staff of the station).

    A station that requires approval holds self-registered volunteers as `pending`.
    """
    if by is not None and by.is_authenticated and is_staff_member(by):
        require_manage(by, data.station)
        registered_by_staff = True
    else:
        registered_by_staff = False
    c = _prepare_volunteer(data)
    _check_unique(id_number=c["id"].number, mobile=c["mobile"])
    pending = data.station.requires_volunteer_approval and not registered_by_staff
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                username=data.username or f"v{c['mobile']}", password=data.password,
                real_name=c["real_name"], mobile=c["mobile"])
            volunteer = Volunteer.objects.create(
                user=user, id_number=c["id"].number, sex=c["id"].sex, real_name=c["real_name"],
                volunteer_no=numbers_for_stations([data.station])[0],
                birth_date=c["id"].birth_date, station=data.station,
                residence_area=data.residence_area.strip()[:100],
                political_status=data.political_status, tags=c["tags"],
                home_lat=data.home_lat, home_lng=data.home_lng,
                home_cell=cell_of(data.home_lat, data.home_lng),
                availability=c["availability"],
                status=Volunteer.Status.PENDING if pending else Volunteer.Status.ACTIVE,
                approved_by=by if registered_by_staff else None,
                approved_at=timezone.now() if registered_by_staff else None)
    except IntegrityError:
        # A concurrent registration with the same mobile, ID number or username won.
        raise Conflict(_("该手机号或身份证号已注册"), code="duplicate_registration") from None
    volunteer_slots_write(volunteers=[volunteer], new=True)
    _set_skills(volunteer, c["skills"])
    _set_categories(volunteer, c["categories"])
    RoleAssignment.objects.create(user=user, role=Role.VOLUNTEER, org=data.station)
    return volunteer


# A volunteer's own mobile is their login: they change it by proving the new number
# (`mobile_change_start` / `mobile_change_confirm`), never by typing it here.
EDITABLE_BY_SELF = {"skills", "service_categories", "residence_area", "political_status",
                    "tags", "home_lat", "home_lng", "availability", "real_name"}
EDITABLE_BY_STAFF = EDITABLE_BY_SELF | {"mobile", "station", "status"}


@transaction.atomic
def volunteer_numbers_assign(*, volunteers: Sequence[Volunteer]) -> int:
    """Give a 志愿者编号 to those of `volunteers` without one (rows written before numbering,
    or by a bulk path that bypassed it); a number once given never changes."""
    missing = [v for v in volunteers if not v.volunteer_no]
    if not missing:
        return 0
    stations = {o.pk: o for o in OrgNode.objects.filter(pk__in={v.station_id for v in missing})}
    for v, number in zip(missing, numbers_for_stations([stations[v.station_id] for v in missing]),
                         strict=True):
        v.volunteer_no = number
    Volunteer.objects.bulk_update(missing, ["volunteer_no"], batch_size=2000)
    return len(missing)


@transaction.atomic
def volunteer_update(*, volunteer: Volunteer, by: User, changes: dict) -> Volunteer:
    """Change a profile. Volunteers edit their own; staff edit those of their subtree.

    The ID number (and so sex and birth date) is not editable: a wrong one means a new,
    verified registration.
    """
    is_self = volunteer.user_id == by.pk
    allowed = EDITABLE_BY_STAFF if can_manage(by, volunteer.station) else (
        EDITABLE_BY_SELF if is_self else set())
    if not allowed:
        raise Forbidden()
    refused = set(changes) - allowed
    if refused == {"mobile"} and is_self:
        raise Forbidden(_("修改手机号须验证新号码：请在“修改手机号”中获取验证码"),
                        code="mobile_needs_code")
    if refused:
        raise Forbidden(_("无权修改：%(fields)s") % {"fields": "、".join(sorted(refused))})
    volunteer = Volunteer.objects.select_for_update().select_related("user").get(pk=volunteer.pk)
    user = volunteer.user
    if "real_name" in changes:
        user.real_name = _clean_name(changes["real_name"])
        volunteer.real_name = user.real_name
    if "mobile" in changes:
        user.mobile = normalize_mobile(changes["mobile"])
        _check_unique(id_number=None, mobile=user.mobile, exclude_user=user)
    if "station" in changes:
        station = changes["station"]
        _check_station(station)
        require_manage(by, station)
        volunteer.station = station
        RoleAssignment.objects.filter(user=user, role=Role.VOLUNTEER).update(org=station)
    if "status" in changes:
        if changes["status"] not in Volunteer.Status.values:
            raise ValidationError(_("状态不正确"), code="invalid_status")
        volunteer.status = changes["status"]
    if "residence_area" in changes:
        volunteer.residence_area = (changes["residence_area"] or "").strip()[:100]
    if "political_status" in changes:
        if changes["political_status"] not in Volunteer.Political.values:
            raise ValidationError(_("政治面貌不正确"), code="invalid_political_status")
        volunteer.political_status = changes["political_status"]
    if "tags" in changes:
        volunteer.tags = _check_choices(changes["tags"] or [], Volunteer.Tag.values,
                                        _("未知的身份标签：%(value)s"), "invalid_tag")
    if "availability" in changes:
        volunteer.availability = _clean_availability(changes["availability"])
    if "home_lat" in changes or "home_lng" in changes:
        lat = changes.get("home_lat", volunteer.home_lat)
        lng = changes.get("home_lng", volunteer.home_lng)
        _check_coordinates(lat, lng)
        volunteer.home_lat, volunteer.home_lng = lat, lng
        volunteer.home_cell = cell_of(lat, lng)
    if "skills" in changes:
        _set_skills(volunteer, _clean_skills(changes["skills"] or []))
    if "service_categories" in changes:
        _set_categories(volunteer, _check_choices(
            changes["service_categories"] or [], Platform.objects.values_list("code", flat=True),
            _("未知的服务类别：%(value)s"), "invalid_service_category"))
    try:
        with transaction.atomic():
            user.save()
            volunteer.save()
    except IntegrityError:
        raise Conflict(_("该手机号已注册"), code="duplicate_mobile") from None
    if {"availability", "home_lat", "home_lng"} & set(changes):
        volunteer_slots_write(volunteers=[volunteer])
    return volunteer


@transaction.atomic
def volunteer_approve(*, volunteer: Volunteer, by: User) -> Volunteer:
    """Staff of the volunteer's station (or above) activate a pending registration."""
    require_manage(by, volunteer.station)
    volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    if volunteer.status != Volunteer.Status.PENDING:
        raise Conflict(_("该志愿者不在待审核状态"), code="invalid_transition")
    volunteer.status = Volunteer.Status.ACTIVE
    volunteer.approved_by, volunteer.approved_at = by, timezone.now()
    volunteer.save(update_fields=["status", "approved_by", "approved_at"])
    return volunteer


@transaction.atomic
def resident_register(*, real_name: str, mobile: str, password: str, station: OrgNode,
                      address: str = "", lat: float | None = None, lng: float | None = None,
                      id_number: str = "", is_elderly: bool = False,
                      username: str | None = None) -> Resident:
    _check_station(station)
    name, mobile = _clean_name(real_name), normalize_mobile(mobile)
    number = parse_id_number(id_number).number if id_number else None
    _check_coordinates(lat, lng)
    validate_password(password)
    _check_unique(id_number=None, mobile=mobile)
    if number and Resident.objects.filter(id_number=number).exists():
        raise Conflict(_("该身份证号已注册"), code="duplicate_id_number")
    try:
        with transaction.atomic():
            user = User.objects.create_user(username=username or f"r{mobile}", password=password,
                                            real_name=name, mobile=mobile)
            resident = Resident.objects.create(user=user, station=station, id_number=number,
                                               address=address.strip()[:200], lat=lat, lng=lng,
                                               is_elderly=is_elderly)
    except IntegrityError:
        raise Conflict(_("该手机号或身份证号已注册"), code="duplicate_registration") from None
    RoleAssignment.objects.create(user=user, role=Role.RESIDENT, org=station)
    return resident


def audit_record(*, actor: User | None, action: str, obj=None, object_type: str = "",
                 detail: dict | None = None, ip: str | None = None) -> AuditLog:
    """One audit row: about `obj`, or about a kind of object (`object_type`) when no single
    object is concerned (a search by number)."""
    return AuditLog.objects.create(
        actor=actor, action=action, object_type=obj._meta.label_lower if obj else object_type,
        object_id=str(obj.pk) if obj else "", detail=detail or {}, ip=ip)


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_issue(*, user: User) -> str:
    raw = secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, key_hash=_token_hash(raw),
                            expires_at=timezone.now() + datetime.timedelta(
                                days=settings.API_TOKEN_DAYS))
    return raw


def token_revoke(*, raw: str) -> int:
    """End one token (the caller's own: `DELETE /api/auth/token`)."""
    return ApiToken.objects.filter(key_hash=_token_hash(raw)).delete()[0]


def token_user(raw: str) -> User | None:
    token = (ApiToken.objects.select_related("user")
             .filter(key_hash=_token_hash(raw), expires_at__gt=timezone.now()).first())
    if token is None or not token.user.is_active:
        return None
    return token.user


def elder_mode_set(*, user: User, on: bool) -> None:
    User.objects.filter(pk=user.pk).update(elder_mode=on)
    user.elder_mode = on


@transaction.atomic
def people_bulk_register(*, volunteers: Sequence[VolunteerInput] = (),
                         residents: Sequence[dict] = (), password_hash: str | None = None,
                         by: User | None = None) -> tuple[list[Volunteer], list[Resident]]:
    """Register many volunteers and residents at once (imports, the demo district).

    Volunteer rows are `VolunteerInput`s; resident rows are dicts of `resident_register`'s
    keywords. Every row passes the same checks as a single registration; the first bad row
    raises, naming its number, and nothing is written. `password_hash` is one encoded
    password (`make_password`) for every row without its own password: hashing argon2 per
    row would take minutes for a district. Without either, an account has no usable password
    until reset. Staff (`by`) import only into their subtree, and their volunteers start
    active; otherwise stations that require approval hold volunteers as `pending`.
    """
    import dataclasses

    from django.contrib.auth.hashers import make_password

    by_staff = by is not None and by.is_authenticated and is_staff_member(by)
    stations = {d.station.pk: d.station for d in volunteers} | {
        r["station"].pk: r["station"] for r in residents}
    for station in stations.values():
        _check_station(station)
        if by_staff:
            require_manage(by, station)

    def resident_clean(r: dict) -> dict:
        _check_coordinates(r.get("lat"), r.get("lng"))
        if r.get("password") is not None:
            validate_password(r["password"])
        return {"real_name": _clean_name(r["real_name"]), "mobile": normalize_mobile(r["mobile"]),
                "id_number": parse_id_number(r["id_number"]).number if r.get("id_number") else None}

    def each_checked(rows, clean) -> list[dict]:
        cleaned = []
        for i, row in enumerate(rows, start=1):
            try:
                cleaned.append(clean(row))
            except ValidationError as exc:
                raise ValidationError(_("第%(row)d行：%(error)s") % {
                    "row": i, "error": "；".join(exc.messages)},
                    code=getattr(exc, "code", None) or "invalid_input") from None
        return cleaned

    platform_ids = dict(Platform.objects.values_list("code", "id"))

    def volunteer_clean(d: VolunteerInput) -> dict:
        # The categories are checked against one fetch of the platforms, not one per row.
        cleaned = _prepare_volunteer(dataclasses.replace(d, service_categories=()))
        cleaned["categories"] = _check_choices(d.service_categories, platform_ids,
                                               _("未知的服务类别：%(value)s"),
                                               "invalid_service_category")
        return cleaned

    vc, rc = each_checked(volunteers, volunteer_clean), each_checked(residents, resident_clean)
    for model, fname, values, message, code in [
        (User, "mobile", [c["mobile"] for c in vc + rc], _("该手机号已注册"), "duplicate_mobile"),
        (Volunteer, "id_number", [c["id"].number for c in vc], _("该身份证号已注册为志愿者"),
         "duplicate_id_number"),
        (Resident, "id_number", [c["id_number"] for c in rc if c["id_number"]],
         _("该身份证号已注册"), "duplicate_id_number"),
    ]:
        if len(set(values)) < len(values) or any(
                model.objects.filter(**{f"{fname}__in": values[i:i + 900]}).exists()
                for i in range(0, len(values), 900)):
            raise Conflict(message, code=code)

    def account(username: str, c: dict, password: str | None) -> User:
        encoded = make_password(password) if password is not None else (
            password_hash or make_password(None))
        return User(username=username, real_name=c["real_name"], mobile=c["mobile"],
                    password=encoded)

    now = timezone.now()
    numbers = numbers_for_stations([d.station for d in volunteers])
    try:
        with transaction.atomic():
            # Below the ORM: a district's 120,000 people through bulk_create took twice as long.
            users = bulk_insert_objects(
                [account(d.username or f"v{c['mobile']}", c, d.password)
                 for d, c in zip(volunteers, vc, strict=True)]
                + [account(r.get("username") or f"r{c['mobile']}", c, r.get("password"))
                   for r, c in zip(residents, rc, strict=True)])
            created_v = bulk_insert_objects([Volunteer(
                user=user, id_number=c["id"].number, sex=c["id"].sex, real_name=c["real_name"],
                volunteer_no=number,
                birth_date=c["id"].birth_date, station=d.station,
                residence_area=d.residence_area.strip()[:100],
                political_status=d.political_status, tags=c["tags"],
                home_lat=d.home_lat, home_lng=d.home_lng, availability=c["availability"],
                home_cell=cell_of(d.home_lat, d.home_lng),
                status=Volunteer.Status.PENDING
                if d.station.requires_volunteer_approval and not by_staff
                else Volunteer.Status.ACTIVE,
                approved_by=by if by_staff else None, approved_at=now if by_staff else None,
            ) for user, d, c, number in zip(users[:len(vc)], volunteers, vc, numbers,
                                            strict=True)])
            created_r = bulk_insert_objects([Resident(
                user=user, station=r["station"], id_number=c["id_number"],
                address=(r.get("address") or "").strip()[:200], lat=r.get("lat"),
                lng=r.get("lng"), is_elderly=r.get("is_elderly", False),
            ) for user, r, c in zip(users[len(vc):], residents, rc, strict=True)])
    except IntegrityError:
        raise Conflict(_("该手机号或身份证号已注册"), code="duplicate_registration") from None

    volunteer_slots_write(volunteers=created_v, new=True)
    tally.volunteers_added(created_v, created_r)  # below the ORM: no signal moves the tally
    names = sorted({n for c in vc for n in c["skills"]})
    Skill.objects.bulk_create([Skill(name=n) for n in names], ignore_conflicts=True)
    skill_ids = dict(Skill.objects.filter(name__in=names).values_list("name", "id"))
    bulk_insert(Volunteer.skills.through, [
        {"volunteer_id": v.pk, "skill_id": skill_ids[n]}
        for v, c in zip(created_v, vc, strict=True) for n in c["skills"]])
    bulk_insert(Volunteer.service_categories.through, [
        {"volunteer_id": v.pk, "platform_id": platform_ids[code]}
        for v, c in zip(created_v, vc, strict=True) for code in c["categories"]])
    bulk_insert(RoleAssignment, [
        {"user_id": p.user_id, "role": role, "org_id": p.station_id}
        for people, role in [(created_v, Role.VOLUNTEER), (created_r, Role.RESIDENT)]
        for p in people])
    return created_v, created_r


def volunteer_rows_check(rows: Sequence[tuple[int, VolunteerInput]]) -> list[tuple[int, list[str]]]:
    """Check volunteer rows of an import without writing anything.

    `rows` are (row number, input) pairs. Unlike `people_bulk_register`, which stops at the
    first bad row, this collects every problem of every row: the same checks as
    `_prepare_volunteer`, plus ID numbers and mobiles repeated within the rows (every row of
    a repeat is bad: which one is right is the importer's call) or already registered.
    Returns (row number, messages) for the bad rows only, in the order given.
    """
    allowed = {"categories": set(Platform.objects.values_list("code", flat=True)),
               "tags": set(Volunteer.Tag.values), "political": set(Volunteer.Political.values)}
    problems: dict[int, list[str]] = {}
    keys: dict[int, tuple[str | None, str | None]] = {}
    for row_no, data in rows:
        errors, number, mobile = _row_problems(data, allowed)
        if errors:
            problems[row_no] = errors
        keys[row_no] = (number, mobile)
    _mark_repeats(keys, problems)
    _mark_registered(keys, rows, problems)
    return [(row_no, problems[row_no]) for row_no, _data in rows if row_no in problems]


def _row_problems(data: VolunteerInput, allowed: dict[str, set[str]]):
    """Every message `_prepare_volunteer` could raise for this row, not just the first;
    with the normalized ID number and mobile when they are valid. (`people_bulk_register`
    runs `_prepare_volunteer` itself on the rows that pass, so a check added there alone
    still holds: it would refuse the batch rather than let a row through.)"""
    errors: list[str] = []
    found: dict[str, object] = {}

    def attempt(name: str, check) -> None:
        try:
            found[name] = check()
        except ValidationError as exc:
            errors.extend(exc.messages)

    attempt("station", lambda: _check_station(data.station))
    attempt("name", lambda: _clean_name(data.real_name))
    attempt("id", lambda: parse_id_number(data.id_number).number)
    attempt("mobile", lambda: normalize_mobile(data.mobile))
    attempt("skills", lambda: _clean_skills(data.skills))
    attempt("categories", lambda: _check_choices(
        data.service_categories, allowed["categories"], _("未知的服务类别：%(value)s"),
        "invalid_service_category"))
    attempt("tags", lambda: _check_choices(data.tags, allowed["tags"],
                                           _("未知的身份标签：%(value)s"), "invalid_tag"))
    if data.political_status not in allowed["political"]:
        errors.append(_("政治面貌不正确"))
    attempt("place", lambda: _check_coordinates(data.home_lat, data.home_lng))
    attempt("availability", lambda: _clean_availability(data.availability))
    if data.password is not None:
        attempt("password", lambda: validate_password(data.password))
    return errors, found.get("id"), found.get("mobile")


def _mark_repeats(keys: dict, problems: dict) -> None:
    for position, label in ((0, _("身份证号")), (1, _("手机号"))):
        seen: dict[str, list[int]] = {}
        for row_no, key in keys.items():
            if key[position]:
                seen.setdefault(key[position], []).append(row_no)
        for row_nos in seen.values():
            if len(row_nos) > 1:
                for row_no in row_nos:
                    others = "、".join(str(n) for n in row_nos if n != row_no)
                    problems.setdefault(row_no, []).append(
                        _("%(what)s与第%(rows)s行重复") % {"what": label, "rows": others})


def _mark_registered(keys: dict, rows, problems: dict) -> None:
    numbers = [k[0] for k in keys.values() if k[0]]
    mobiles = [k[1] for k in keys.values() if k[1]]
    usernames = [d.username or f"v{keys[n][1]}" for n, d in rows if keys[n][1]]

    def existing(qs, field: str, values: list[str]) -> set[str]:
        return {v for i in range(0, len(values), 900)
                for v in qs.filter(**{f"{field}__in": values[i:i + 900]})
                .values_list(field, flat=True)}

    taken_ids = existing(Volunteer.objects, "id_number", numbers)
    taken_mobiles = existing(User.objects, "mobile", mobiles)
    taken_names = existing(User.objects, "username", usernames)
    for row_no, data in rows:
        number, mobile = keys[row_no]
        messages = []
        if number in taken_ids:
            messages.append(_("该身份证号已注册为志愿者"))
        if mobile in taken_mobiles:
            messages.append(_("该手机号已注册"))
        elif mobile and (data.username or f"v{mobile}") in taken_names:
            messages.append(_("账号名已被占用"))
        if messages:
            problems.setdefault(row_no, []).extend(messages)
