"""The people pages, driven through Django's test client as a browser would."""

import datetime

import pytest
from django.test import Client

from wenming.inbox.models import Notification
from wenming.people.models import AuditLog, Resident, User, Volunteer
from wenming.people.tests.factories import PASSWORD, volunteer_at
from wenming.people.validators import compose_id_number

pytestmark = pytest.mark.django_db

GOOD_ID = compose_id_number("110108", datetime.date(1975, 3, 9), 21)


def register_form(world, **overrides):
    return {"real_name": "王小明", "id_number": GOOD_ID, "mobile": "13712345678",
            "password": "Wenming@2026", "password2": "Wenming@2026",
            "station": world.sta1.id, "skills": "理发、急救", "political_status": "masses",
            "service_categories": ["health"], **overrides}


def test_it_logs_in_with_the_mobile_number(world):
    client = Client()
    response = client.post("/login/", {"username": world.vol1.user.mobile, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").context["user"] == world.vol1.user


def test_it_explains_a_wrong_password_in_chinese(world):
    response = Client().post("/login/", {"username": "vol1", "password": "wrong-one"})
    assert response.status_code == 200
    assert "用户名（或手机号）或密码不正确" in response.content.decode()


SUBMITTED = "申请已提交，请留意短信/站内信"


def test_it_registers_a_volunteer_who_then_logs_in(world):
    client = Client()
    response = client.post("/register/", register_form(world), follow=True)
    assert response.redirect_chain == [("/login/", 302)]
    assert SUBMITTED in response.content.decode()
    volunteer = Volunteer.objects.get(id_number=GOOD_ID)
    assert volunteer.user.real_name == "王小明"
    assert sorted(s.name for s in volunteer.skills.all()) == ["急救", "理发"]
    assert volunteer.status == Volunteer.Status.ACTIVE
    assert not client.get("/").context["user"].is_authenticated  # no session either way
    client.post("/login/", {"username": "13712345678", "password": "Wenming@2026"})
    assert client.get("/").context["user"] == volunteer.user


def test_it_holds_a_self_registration_for_approval_where_the_station_asks(world):
    world.sta1.requires_volunteer_approval = True
    world.sta1.save()
    response = Client().post("/register/", register_form(world), follow=True)
    assert SUBMITTED in response.content.decode()
    assert Volunteer.objects.get(id_number=GOOD_ID).status == Volunteer.Status.PENDING


@pytest.mark.parametrize("field,value,message", [
    ("id_number", GOOD_ID[:-1] + ("0" if GOOD_ID[-1] != "0" else "1"), "校验位不正确"),
    ("id_number", "11010819990231001X", "出生日期不存在"),
    ("mobile", "1234567", "11位数字"),
    ("password2", "Other@2026", "两次输入的密码不一致"),
])
def test_it_refuses_bad_registrations_and_writes_nothing(world, field, value, message):
    users = User.objects.count()
    response = Client().post("/register/", register_form(world, **{field: value}))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert User.objects.count() == users


@pytest.mark.parametrize("taken", ["mobile", "id_number"])
def test_a_taken_number_gets_the_same_answer_and_its_owner_is_told(world, taken):
    fresh = Client().post("/register/", register_form(world, mobile="13800001111",
                                                      id_number=GOOD_ID), follow=True)
    other_id = compose_id_number("110108", datetime.date(1976, 4, 2), 33)
    form = register_form(world, mobile="13800002222", id_number=other_id)
    form[taken] = world.vol1.user.mobile if taken == "mobile" else world.vol1.id_number
    users = User.objects.count()
    again = Client().post("/register/", form, follow=True)
    assert again.redirect_chain == fresh.redirect_chain == [("/login/", 302)]
    assert SUBMITTED in again.content.decode()
    assert "已注册" not in again.content.decode()
    assert User.objects.count() == users
    assert Notification.objects.filter(user=world.vol1.user).count() == 1


def test_a_taken_resident_mobile_gets_the_same_answer(world):
    form = {"real_name": "赵奶奶", "mobile": world.res1.user.mobile, "password": "Wenming@2026",
            "password2": "Wenming@2026", "station": world.sta1.id, "address": "稻香园1号"}
    response = Client().post("/register/?as=resident", form, follow=True)
    assert SUBMITTED in response.content.decode()
    assert Notification.objects.filter(user=world.res1.user).count() == 1


def test_it_registers_a_resident(world):
    form = {"real_name": "赵奶奶", "mobile": "13698765432", "password": "Wenming@2026",
            "password2": "Wenming@2026", "station": world.sta1.id, "address": "稻香园1号",
            "is_elderly": "on"}
    assert Client().post("/register/?as=resident", form).status_code == 302
    assert Resident.objects.get(user__mobile="13698765432").is_elderly


def test_staff_see_their_stations_volunteers_masked(world, client_for):
    page = client_for(world.sta1_staff).get("/volunteers/").content.decode()
    assert world.vol1.user.real_name in page
    assert world.vol2.user.real_name not in page
    assert world.vol1.user.mobile not in page
    assert world.vol1.user.mobile[:3] + "****" + world.vol1.user.mobile[-4:] in page


def test_the_list_searches_by_name_and_answers_htmx_with_rows_only(world, client_for):
    client = client_for(world.inst1_staff)
    response = client.get("/volunteers/", {"q": world.vol1b.user.real_name},
                          headers={"HX-Request": "true"})
    page = response.content.decode()
    assert "<html" not in page
    assert world.vol1b.user.real_name in page
    assert world.vol1.user.real_name not in page


@pytest.mark.parametrize("persona", ["vol1", "res1", "outsider"])
def test_the_volunteer_list_is_for_staff_only(world, client_for, persona):
    user = getattr(world, persona)
    user = getattr(user, "user", user)
    assert client_for(user).get("/volunteers/").status_code == 403


def test_a_sibling_station_cannot_open_a_volunteer(world, client_for):
    assert client_for(world.sta2_staff).get(f"/volunteers/{world.vol1.id}/").status_code == 404
    assert client_for(world.sta1_staff).get(f"/volunteers/{world.vol1b.id}/").status_code == 404


def test_revealing_full_numbers_is_audited(world, client_for):
    client = client_for(world.sta1_staff)
    page = client.get(f"/volunteers/{world.vol1.id}/").content.decode()
    assert world.vol1.id_number not in page
    page = client.post(f"/volunteers/{world.vol1.id}/", {"action": "reveal"}).content.decode()
    assert world.vol1.id_number in page
    log = AuditLog.objects.get()
    assert (log.actor, log.object_id, log.action) == (
        world.sta1_staff, str(world.vol1.id), AuditLog.Action.VIEW_PERSONAL)


def test_staff_approve_a_pending_volunteer_and_a_sibling_cannot(world, client_for):
    pending = volunteer_at(world.sta1, status=Volunteer.Status.PENDING)
    url = f"/volunteers/{pending.id}/"
    assert client_for(world.sta2_staff).post(url, {"action": "approve"}).status_code == 404
    assert client_for(world.sta1_staff).post(url, {"action": "approve"}).status_code == 302
    pending.refresh_from_db()
    assert pending.status == Volunteer.Status.ACTIVE and pending.approved_by == world.sta1_staff


def test_a_volunteer_edits_their_own_profile_but_not_their_mobile_there(world, client_for):
    client = client_for(world.vol1.user)
    mobile = world.vol1.user.mobile
    response = client.post("/me/", {"mobile": "13611112222", "skills": "摄影，书法",
                                    "political_status": "party_member", "tags": ["veteran"],
                                    "residence_area": "海淀区稻香园"})
    assert response.status_code == 302
    world.vol1.refresh_from_db()
    world.vol1.user.refresh_from_db()
    assert world.vol1.user.mobile == mobile  # changed only by a code to the new number
    assert world.vol1.tags == ["veteran"]
    assert sorted(s.name for s in world.vol1.skills.all()) == ["书法", "摄影"]


def test_my_profile_shows_my_own_numbers_and_my_stations_contact(world, client_for):
    world.sta1.contact_name, world.sta1.contact_phone = "李站长", "13500001111"
    world.sta1.save()
    page = client_for(world.vol1.user).get("/me/").content.decode()
    assert world.vol1.id_number in page and world.vol1.user.mobile in page
    assert "13500001111" in page
    assert not AuditLog.objects.exists()  # one's own numbers are no reveal


def test_elder_mode_is_remembered_for_a_user(world, client_for):
    client = client_for(world.res1.user)
    client.post("/prefs/elder/", {"on": "1", "next": "/me/"})
    world.res1.user.refresh_from_db()
    assert world.res1.user.elder_mode
    assert 'class="elder"' in client_for(world.res1.user).get("/").content.decode()


def test_elder_mode_is_remembered_for_a_visitor_and_next_cannot_leave_the_site(db):
    client = Client()
    response = client.post("/prefs/elder/", {"on": "1", "next": "https://evil.example/"})
    assert response["Location"] == "/"
    assert 'class="elder"' in client.get("/").content.decode()


def test_each_role_gets_its_home_page(world, client_for):
    assert "工作台" in client_for(world.sta1_staff).get("/").content.decode()
    assert "所属实践站" in client_for(world.vol1.user).get("/").content.decode()
    assert "我的社区" in client_for(world.res1.user).get("/").content.decode()
    assert "注册志愿者" in Client().get("/").content.decode()


def test_the_admin_speaks_chinese(world, client_for):
    world.admin.is_staff = world.admin.is_superuser = True
    world.admin.save()
    assert "站点管理" in client_for(world.admin).get("/admin/").content.decode()


def test_pages_follow_accept_language_english(world):
    page = Client(headers={"accept-language": "en"}).get("/login/").content.decode()
    assert "Log in" in page


def test_the_staff_home_counts_the_whole_subtree(world, client_for):
    cards = client_for(world.center_staff).get("/").context["cards"]
    assert [(node, c["volunteers"], c["residents"]) for node, c in cards] == [
        (world.center, 3, 1)]
    cards = client_for(world.inst1_staff).get("/").context["cards"]
    assert [(node, c["volunteers"]) for node, c in cards] == [(world.inst1, 2)]


def test_a_residents_home_shows_their_stations_contact_through_org_contact(world, client_for):
    world.sta1.contact_name, world.sta1.contact_phone = "李站长", "13500001111"
    world.sta1.save()
    page = client_for(world.res1.user).get("/").content.decode()
    assert 'href="tel:13500001111"' in page and "李站长" in page
