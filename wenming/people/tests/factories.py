import datetime
import itertools

import factory

from wenming.orgs.models import OrgNode, RoleAssignment
from wenming.orgs.services import org_create
from wenming.people.models import Resident, User, Volunteer
from wenming.people.services import volunteer_numbers_assign, volunteer_slots_write
from wenming.people.validators import compose_id_number

_seq = itertools.count(1)
PASSWORD = "Demo@2026"


def next_mobile() -> str:
    return f"139{next(_seq) + 10_000_000:08d}"


def next_id_number(sex: str = "M") -> str:
    n = next(_seq)
    birth = datetime.date(1960, 1, 1) + datetime.timedelta(days=n * 37 % 15000)
    order = n * 2 + (1 if sex == "M" else 0)
    return compose_id_number("110108", birth, order)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    real_name = factory.Sequence(lambda n: f"测试{n}号")
    mobile = factory.LazyFunction(next_mobile)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def station_tree():
    """center → inst1 → (sta1, sta1b), inst2 → sta2."""
    center = org_create(kind="center", name="海淀区新时代文明实践中心", lat=39.96, lng=116.30)
    inst1 = org_create(kind="institute", name="海淀街道实践所", parent=center, lat=39.98, lng=116.31)
    inst2 = org_create(kind="institute", name="学院路街道实践所", parent=center, lat=39.99, lng=116.35)
    sta1 = org_create(kind="station", name="稻香园社区实践站", parent=inst1, lat=39.981, lng=116.305)
    sta1b = org_create(kind="station", name="芙蓉里社区实践站", parent=inst1, lat=39.985, lng=116.312)
    sta2 = org_create(kind="station", name="石油大院社区实践站", parent=inst2, lat=39.995, lng=116.352)
    return {"center": center, "inst1": inst1, "inst2": inst2, "sta1": sta1, "sta1b": sta1b,
            "sta2": sta2}


def staff_at(org: OrgNode, username: str) -> User:
    user = UserFactory(username=username)
    RoleAssignment.objects.create(user=user, role=RoleAssignment.Role.STAFF, org=org)
    return user


def volunteer_at(station: OrgNode, username: str | None = None, **fields) -> Volunteer:
    user = UserFactory(**({"username": username} if username else {}))
    sex = fields.pop("sex", "M")
    volunteer = Volunteer.objects.create(
        user=user, station=station, id_number=next_id_number(sex), sex=sex,
        real_name=user.real_name, birth_date=datetime.date(1980, 5, 1), **fields)
    volunteer_numbers_assign(volunteers=[volunteer])
    volunteer_slots_write(volunteers=[volunteer], new=True)
    RoleAssignment.objects.create(user=user, role=RoleAssignment.Role.VOLUNTEER, org=station)
    return volunteer


def resident_at(station: OrgNode, username: str | None = None) -> Resident:
    user = UserFactory(**({"username": username} if username else {}))
    resident = Resident.objects.create(user=user, station=station, address="稻香园小区3号楼")
    RoleAssignment.objects.create(user=user, role=RoleAssignment.Role.RESIDENT, org=station)
    return resident
