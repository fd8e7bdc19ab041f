"""The points and store pages through Django's test client: my points, the subtree's
accounts, stores and goods, redeeming (a double tap spends once), my redemptions with the
pickup code and QR, cancelling, store and goods management, the pickup counter; scope per
persona and bad input."""

import datetime
import itertools
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import F
from django.utils import timezone

from wenming.points import services
from wenming.points.models import Goods, PointsAccount, PointsEntry, Redemption, Store

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
_sources = itertools.count(1)


def give(volunteer, amount: int) -> PointsAccount:
    """Credit points the way the ledger does: an entry and the cached balance with it."""
    account = services.account_for(volunteer)
    PointsEntry.objects.create(account=account, amount=amount, kind=PointsEntry.Kind.ADJUST,
                               reason="服务时长：社区义诊", source_type="tests.grant",
                               source_id=next(_sources))
    PointsAccount.objects.filter(pk=account.pk).update(balance=F("balance") + amount)
    return account


def balance(volunteer) -> int:
    return PointsAccount.objects.filter(volunteer=volunteer).values_list(
        "balance", flat=True).first() or 0


def store_at(world, org=None, **fields) -> Store:
    fields = {"name": "稻香园爱心超市", "address": "稻香园社区服务中心一楼",
              "opening_hours": "周二、周四 9:00–11:30", **fields}
    return services.store_create(by=world.inst1_staff, org=org or world.sta1, **fields)


def goods_in(world, store, **fields) -> Goods:
    fields = {"name": "洗衣液", "price": 30, "stock": 10, **fields}
    return services.goods_add(by=world.inst1_staff, store=store, **fields)


def page(response) -> str:
    return response.content.decode()


def redeem_form(goods, **fields) -> dict:
    return {"quantity": "1", "key": "k-" + str(next(_sources)), "expected_price": goods.price,
            **fields}


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


# ---- my points and the subtree's accounts --------------------------------------------------

def test_a_volunteer_sees_their_balance_and_entries(world, client_for):
    give(world.vol1, 120)
    html = page(client_for(world.vol1.user).get("/points/"))
    assert 'data-testid="balance">120<' in html and "服务时长：社区义诊" in html and "+120" in html


def test_a_volunteer_who_never_earned_sees_zero_and_nothing_is_written(world, client_for):
    html = page(client_for(world.vol1.user).get("/points/"))
    assert 'data-testid="balance">0<' in html and "还没有积分记录" in html
    assert not PointsAccount.objects.exists()


def test_a_resident_learns_how_points_are_earned_and_staff_go_to_the_accounts(
        world, client_for):
    html = page(client_for(world.res1.user).get("/points/"))
    assert "积分怎么来" in html and 'data-testid="earning-rules"' in html
    assert "10 积分" in html  # the district's default: 10 a certified hour
    assert not PointsAccount.objects.exists()
    assert client_for(world.outsider).get("/points/").status_code == 403
    response = client_for(world.sta1_staff).get("/points/")
    assert response.status_code == 302 and response["Location"] == "/points/accounts/"


def test_staff_see_their_subtrees_accounts_and_not_a_siblings(world, client_for):
    give(world.vol1, 50)
    give(world.vol2, 70)
    html = page(client_for(world.sta1_staff).get("/points/accounts/"))
    assert world.vol1.user.real_name in html and world.vol2.user.real_name not in html
    account = PointsAccount.objects.get(volunteer=world.vol1)
    client = client_for(world.sta2_staff)
    assert world.vol1.user.real_name not in page(client.get("/points/accounts/"))
    assert client.get(f"/points/accounts/{account.pk}/").status_code == 404
    html = page(client_for(world.inst1_staff).get(f"/points/accounts/{account.pk}/"))
    assert "服务时长：社区义诊" in html


def test_volunteers_have_no_accounts_page(world, client_for):
    assert client_for(world.vol1.user).get("/points/accounts/").status_code == 403


# ---- stores and goods ---------------------------------------------------------------------

def test_a_volunteer_browses_the_districts_stores_and_goods_on_sale(world, client_for):
    store = store_at(world)
    goods_in(world, store, name="洗衣液", per_person_limit=2)
    off = goods_in(world, store, name="下架的毛巾")
    services.goods_update(by=world.sta1_staff, goods=off, changes={"is_active": False})
    client = client_for(world.vol1b.user)
    assert "稻香园爱心超市" in page(client.get("/points/stores/"))
    html = page(client.get(f"/points/stores/{store.pk}/"))
    assert "洗衣液" in html and "每人每月限兑 2 件" in html and "库存 10 件" in html
    assert "下架的毛巾" not in html
    assert 'name="key"' in html and 'name="expected_price" value="30"' in html


def test_html_in_a_goods_name_is_shown_as_text(world, client_for):
    store = store_at(world)
    goods_in(world, store, name="<script>alert(1)</script>毛巾")
    html = page(client_for(world.vol1.user).get(f"/points/stores/{store.pk}/"))
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;毛巾" in html


def test_stores_outside_scope_are_404(world, client_for):
    store = store_at(world)
    goods = goods_in(world, store)
    assert client_for(world.outsider).get(f"/points/stores/{store.pk}/").status_code == 404
    client = client_for(world.sta2_staff)
    for url in (f"/points/stores/{store.pk}/", f"/points/stores/{store.pk}/manage/",
                f"/points/stores/{store.pk}/pickup/", f"/points/goods/{goods.pk}/edit/"):
        assert client.get(url).status_code == 404
    assert client.post(f"/points/goods/{goods.pk}/redeem/",
                       redeem_form(goods)).status_code == 404


def test_pages_ask_for_a_login(world, client):
    store = store_at(world)
    for url in ("/points/", "/points/stores/", f"/points/stores/{store.pk}/",
                "/points/redemptions/", f"/points/stores/{store.pk}/pickup/"):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


# ---- redeeming -------------------------------------------------------------------------

def test_redeeming_spends_points_takes_stock_and_shows_the_pickup_code_and_qr(world,
                                                                             client_for):
    give(world.vol1, 100)
    goods = goods_in(world, store_at(world), price=30, stock=5)
    client = client_for(world.vol1.user)
    response = client.post(f"/points/goods/{goods.pk}/redeem/",
                           redeem_form(goods, quantity="2"), follow=True)
    html = page(response)
    redemption = Redemption.objects.get()
    assert "兑换成功" in html and redemption.pickup_code in html and "<svg" in html
    assert (balance(world.vol1), Goods.objects.get(pk=goods.pk).stock) == (40, 3)
    html = page(client.get("/points/redemptions/"))
    assert redemption.pickup_code in html and "待领取" in html and "<svg" in html


def test_a_double_tap_or_retried_post_with_the_same_key_spends_once(world, client_for):
    give(world.vol1, 100)
    goods = goods_in(world, store_at(world), price=30)
    client = client_for(world.vol1.user)
    form = redeem_form(goods, key="f7a2c9d1e0b34a5f")
    first = client.post(f"/points/goods/{goods.pk}/redeem/", form)
    html = page(client.post(f"/points/goods/{goods.pk}/redeem/", form, follow=True))
    assert "重复提交不会重复扣分" in html
    assert Redemption.objects.count() == 1 and balance(world.vol1) == 70
    assert first["Location"] == f"/points/redemptions/{Redemption.objects.get().pk}/"


def test_each_render_of_the_store_carries_a_fresh_key(world, client_for):
    goods_in(world, store := store_at(world))
    client = client_for(world.vol1.user)
    keys = [page(client.get(f"/points/stores/{store.pk}/")).split('name="key" value="')[1][:32]
            for _n in range(2)]
    assert keys[0] != keys[1]


@pytest.mark.parametrize(("fields", "message"), [
    ({"quantity": "0"}, "兑换数量应为1到100"),
    ({"quantity": "-3"}, "兑换数量应为1到100"),
    ({"quantity": "abc"}, "兑换数量应为1到100"),
    ({"quantity": "101"}, "兑换数量应为1到100"),
    ({"key": ""}, "页面已过期，请刷新后重新兑换"),
    ({"expected_price": "20"}, "商品积分已调整为30，请确认后重新兑换"),
    ({"quantity": "4"}, "积分不足：需要120，当前100"),
    ({"quantity": "11"}, "库存不足，仅剩10件"),
])
def test_bad_redemptions_are_explained_in_chinese_and_change_nothing(world, client_for, fields,
                                                                     message):
    give(world.vol1, 100)
    goods = goods_in(world, store := store_at(world), price=30, stock=10)
    response = client_for(world.vol1.user).post(f"/points/goods/{goods.pk}/redeem/",
                                                redeem_form(goods, **fields), follow=True)
    assert message in page(response)
    assert response.redirect_chain[-1][0] == f"/points/stores/{store.pk}/"
    assert not Redemption.objects.exists()
    assert (balance(world.vol1), Goods.objects.get(pk=goods.pk).stock) == (100, 10)


def test_goods_off_sale_cannot_be_redeemed(world, client_for):
    give(world.vol1, 100)
    goods = goods_in(world, store_at(world))
    services.goods_update(by=world.sta1_staff, goods=goods, changes={"is_active": False})
    html = page(client_for(world.vol1.user).post(f"/points/goods/{goods.pk}/redeem/",
                                                 redeem_form(goods), follow=True))
    assert "该商品当前不可兑换" in html and not Redemption.objects.exists()


def test_a_resident_cannot_redeem(world, client_for):
    goods = goods_in(world, store_at(world))
    response = client_for(world.res1.user).post(f"/points/goods/{goods.pk}/redeem/",
                                                redeem_form(goods))
    assert response.status_code == 403 and not Redemption.objects.exists()


def test_the_volunteer_cancels_before_pickup_and_gets_everything_back(world, client_for):
    give(world.vol1, 100)
    goods = goods_in(world, store_at(world), price=30, stock=5)
    redemption, _created = services.redemption_create(volunteer=world.vol1, goods=goods,
                                                      quantity=1)
    assert client_for(world.vol1b.user).post(
        f"/points/redemptions/{redemption.pk}/cancel/").status_code == 404
    html = page(client_for(world.vol1.user).post(
        f"/points/redemptions/{redemption.pk}/cancel/", follow=True))
    assert "已取消兑换" in html and "已取消" in html
    assert (balance(world.vol1), Goods.objects.get(pk=goods.pk).stock) == (100, 5)
    html = page(client_for(world.vol1.user).post(
        f"/points/redemptions/{redemption.pk}/cancel/", follow=True))
    assert "该兑换已领取或已取消" in html and balance(world.vol1) == 100


def test_another_volunteer_cannot_open_my_redemption(world, client_for):
    give(world.vol1, 100)
    redemption, _created = services.redemption_create(
        volunteer=world.vol1, goods=goods_in(world, store_at(world)), quantity=1)
    assert client_for(world.vol1b.user).get(
        f"/points/redemptions/{redemption.pk}/").status_code == 404
    assert redemption.pickup_code not in page(client_for(world.vol1b.user).get(
        "/points/redemptions/"))


# ---- staff: stores and goods ----------------------------------------------------------------

def test_staff_open_a_store(world, client_for):
    client = client_for(world.sta1_staff)
    response = client.post("/points/stores/new/", {"org": world.sta1.pk, "name": "稻香园爱心超市",
                                                   "address": "社区服务中心", "opening_hours": ""})
    store = Store.objects.get()
    assert response["Location"] == f"/points/stores/{store.pk}/manage/"
    html = page(client.post("/points/stores/new/", {"org": world.sta1.pk, "name": " "}))
    assert "这个字段是必填项" in html or "请填写超市名称" in html
    html = page(client.post("/points/stores/new/", {"org": world.sta2.pk, "name": "别人的"}))
    assert "选择一个有效的选项" in html and Store.objects.count() == 1


def test_volunteers_cannot_open_or_manage_stores(world, client_for):
    store = store_at(world)
    client = client_for(world.vol1.user)
    assert client.get("/points/stores/new/").status_code == 403
    assert client.get(f"/points/stores/{store.pk}/manage/").status_code == 403
    assert client.get(f"/points/stores/{store.pk}/pickup/").status_code == 403


def test_staff_add_goods_with_a_picture_and_edit_price_and_stock(world, client_for, media):
    store = store_at(world)
    client = client_for(world.sta1_staff)
    client.post(f"/points/stores/{store.pk}/manage/", {
        "name": "洗衣液", "price": "30", "stock": "20", "per_person_limit": "2",
        "picture": SimpleUploadedFile("我的图片.html", PNG)})
    goods = Goods.objects.get()
    name = goods.picture.name.removeprefix("goods/")
    assert re.fullmatch(r"[\w-]{22}\.png", name)  # random, not the uploader's, not counted
    html = page(client_for(world.vol1.user).get(f"/points/stores/{store.pk}/"))
    assert f'src="/points/goods/{goods.pk}/pictures/{name}"' in html
    response = client_for(world.vol1.user).get(f"/points/goods/{goods.pk}/pictures/{name}")
    assert (response.status_code, response["Content-Type"]) == (200, "image/png")
    assert client_for(world.vol1.user).get(f"/media/{goods.picture.name}").status_code == 404
    client.post(f"/points/goods/{goods.pk}/edit/", {
        "name": "洗衣液（大瓶）", "price": "40", "stock": "15", "is_active": "on"})
    goods.refresh_from_db()
    assert (goods.name, goods.price, goods.stock, goods.per_person_limit) == (
        "洗衣液（大瓶）", 40, 15, None)
    assert goods.picture.name.endswith(".png")  # kept when no new one is sent


@pytest.mark.parametrize(("fields", "message"), [
    ({"price": "0"}, "确保该值大于或等于1"),
    ({"stock": "-1"}, "确保该值大于或等于0"),
    ({"name": ""}, "这个字段是必填项"),
    ({"picture": SimpleUploadedFile("a.png", b"<svg onload=alert(1)>")},
     "图片须为5MB以内的JPG或PNG"),
    ({"active_from": "2026-12-02T09:00", "active_to": "2026-12-01T09:00"}, "下架时间必须晚于上架时间"),
])
def test_bad_goods_are_explained_in_chinese_and_nothing_is_written(world, client_for, media,
                                                                   fields, message):
    store = store_at(world)
    html = page(client_for(world.sta1_staff).post(f"/points/stores/{store.pk}/manage/", {
        "name": "洗衣液", "price": "30", "stock": "20", **fields}))
    assert message in html
    assert not Goods.objects.exists() and list(media.rglob("*.*")) == []


# ---- the pickup counter -----------------------------------------------------------------

def test_staff_hand_over_by_typed_or_scanned_code_once(world, client_for):
    give(world.vol1, 100)
    store = store_at(world)
    redemption, _created = services.redemption_create(
        volunteer=world.vol1, goods=goods_in(world, store, name="洗衣液"), quantity=2)
    client = client_for(world.sta1_staff)
    scanned = f"http://testserver/points/stores/{store.pk}/pickup/?code={redemption.pickup_code}"
    html = page(client.get(f"/points/stores/{store.pk}/pickup/", {"code": scanned}))
    assert 'data-testid="found"' in html and "洗衣液 × 2" in html
    html = page(client.post(f"/points/stores/{store.pk}/pickup/",
                            {"code": redemption.pickup_code.lower()}, follow=True))
    assert "已发放：洗衣液 × 2" in html
    assert Redemption.objects.get().status == Redemption.Status.PICKED_UP
    html = page(client.post(f"/points/stores/{store.pk}/pickup/",
                            {"code": redemption.pickup_code}))
    assert "该兑换已领取或已取消" in html


@pytest.mark.parametrize(("code", "message"), [
    ("", "请输入取货码"),
    ("ZZZZ9999", "取货码无效，或不是本超市的兑换"),
    ("<b>x</b>", "取货码应为8位字母和数字"),
])
def test_unknown_or_malformed_codes_are_refused(world, client_for, code, message):
    store = store_at(world)
    html = page(client_for(world.sta1_staff).post(f"/points/stores/{store.pk}/pickup/",
                                                  {"code": code}))
    assert message in html and "<b>x</b>" not in html


def test_a_code_of_another_store_is_not_handed_over_here(world, client_for):
    give(world.vol1, 100)
    other = store_at(world, org=world.sta1b, name="芙蓉里爱心超市")
    redemption, _created = services.redemption_create(
        volunteer=world.vol1, goods=goods_in(world, other), quantity=1)
    store = store_at(world)
    html = page(client_for(world.sta1_staff).post(f"/points/stores/{store.pk}/pickup/",
                                                  {"code": redemption.pickup_code}))
    assert "取货码无效，或不是本超市的兑换" in html
    assert Redemption.objects.get().status == Redemption.Status.RESERVED


def test_the_store_page_runs_a_fixed_number_of_queries(world, client_for,
                                                       django_assert_max_num_queries):
    store = store_at(world)
    give(world.vol1, 10)
    client = client_for(world.vol1.user)
    client.get(f"/points/stores/{store.pk}/")
    for n in range(12):
        goods_in(world, store, name=f"商品{n}")
    with django_assert_max_num_queries(10):
        assert "商品11" in page(client.get(f"/points/stores/{store.pk}/"))


def test_the_goods_edit_page_shows_the_sale_window_in_local_time(world, client_for):
    goods = goods_in(world, store_at(world))
    start = timezone.make_aware(datetime.datetime(2026, 12, 1, 9, 0))
    services.goods_update(by=world.sta1_staff, goods=goods, changes={
        "active_from": start, "active_to": start + datetime.timedelta(days=30)})
    html = page(client_for(world.sta1_staff).get(f"/points/goods/{goods.pk}/edit/"))
    assert 'value="2026-12-01T09:00"' in html and 'value="2026-12-31T09:00"' in html
