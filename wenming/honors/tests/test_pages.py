"""The pages: what each persona sees and may do, scope (404 outside), the Excel import that
writes all rows or none, the public board with names as consented."""

import datetime
import io

import pytest
from django.utils import timezone
from openpyxl import Workbook

from wenming.honors import excel
from wenming.honors.models import Award, PublicityConsent, RankingFormula, Selection
from wenming.honors.services import selection_nominate
from wenming.testing import logged_in

from .support import line

pytestmark = pytest.mark.django_db


def rename(volunteer, name: str) -> None:
    """Distinct surnames (the factories' names all start alike)."""
    type(volunteer).objects.filter(pk=volunteer.pk).update(real_name=name)
    type(volunteer.user).objects.filter(pk=volunteer.user_id).update(real_name=name)
    volunteer.real_name = volunteer.user.real_name = name


@pytest.fixture
def ranked(world):
    for v, name in ((world.vol1, "王小明"), (world.vol1b, "李华"), (world.vol2, "赵强")):
        rename(v, name)
    today = timezone.localdate()
    for hours, v in ((9, world.vol1b), (5, world.vol2), (2, world.vol1)):
        line(v, hours, today)
    return world


def test_a_volunteer_sees_their_place_and_the_breakdown(ranked):
    page = logged_in(ranked.vol1.user).get("/honors/?period=month").content.decode()
    assert 'data-testid="my-place"' in page
    assert "第 3 名" in page
    assert ranked.vol1b.real_name not in page  # others by surname only
    assert ranked.vol1b.real_name[0] + "志愿者" in page


def test_staff_pick_a_node_and_see_full_names(ranked):
    page = logged_in(ranked.inst1_staff).get(
        f"/honors/?org={ranked.inst1.pk}&period=year&kind=volunteer").content.decode()
    assert ranked.vol1b.real_name in page and ranked.vol1.real_name in page
    assert ranked.vol2.real_name not in page  # inst2's volunteer is not in inst1's ranking


@pytest.mark.parametrize("who,org", [("sta2_staff", "sta1"), ("inst1_staff", "inst2"),
                                     ("vol2", "inst1")])
def test_a_sibling_node_is_404(ranked, who, org):
    person = getattr(ranked, who)
    r = logged_in(getattr(person, "user", person)).get(f"/honors/?org={getattr(ranked, org).pk}")
    assert r.status_code == 404


@pytest.mark.parametrize("query", ["period=fortnight", "date=2999-01-01", "date=yesterday",
                                   "kind=robot", "org=abc"])
def test_bad_pickers_show_an_error_not_a_500(ranked, query):
    r = logged_in(ranked.center_staff).get(f"/honors/?{query}")
    assert r.status_code in (200, 404)


def test_the_selection_page_offers_the_moves_and_hides_it_from_a_sibling(ranked):
    s = selection_nominate(by=ranked.inst1_staff, node=ranked.inst1, kind="star",
                           period="month")
    page = logged_in(ranked.inst1_staff).get(f"/honors/selections/{s.pk}/").content.decode()
    assert 'data-move="review"' in page and 'data-move="cancel"' in page
    assert logged_in(ranked.inst2_staff).get(f"/honors/selections/{s.pk}/").status_code == 404
    assert logged_in(ranked.vol1.user).get(f"/honors/selections/{s.pk}/").status_code == 404


def test_staff_open_a_selection_from_the_page(ranked):
    r = logged_in(ranked.center_staff).post("/honors/selections/new/", {
        "kind": "star", "org": ranked.center.pk, "period": "month",
        "date": timezone.localdate().isoformat(), "top_n": 2})
    s = Selection.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/honors/selections/{s.pk}/"
    assert s.nominees.count() == 2


def test_a_sibling_cannot_open_a_selection_for_a_node_it_does_not_see(ranked):
    logged_in(ranked.inst2_staff).post("/honors/selections/new/", {
        "kind": "star", "org": ranked.inst1.pk, "period": "month",
        "date": timezone.localdate().isoformat()})
    assert Selection.objects.count() == 0


def test_staff_enter_an_award_for_their_subtree_only(world):
    staff = logged_in(world.inst1_staff)
    data = {"name": "优秀志愿者", "level": "subdistrict", "date": "2026-01-05",
            "granting_unit": "海淀街道"}
    staff.post("/honors/awards/new/", {**data, "volunteer_mobile": world.vol1.user.mobile})
    staff.post("/honors/awards/new/", {**data, "volunteer_mobile": world.vol2.user.mobile})
    assert list(Award.objects.values_list("volunteer_id", flat=True)) == [world.vol1.pk]
    assert "优秀志愿者" in logged_in(world.vol1.user).get("/honors/awards/").content.decode()
    assert "优秀志愿者" not in logged_in(world.vol2.user).get("/honors/awards/").content.decode()
    assert "优秀志愿者" not in logged_in(world.sta2_staff).get("/honors/awards/").content.decode()


def workbook(rows) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.append(excel.HEADERS)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    out.name = "awards.xlsx"
    return out


def test_an_import_with_one_bad_row_writes_nothing_and_reports_the_row(world):
    good = [world.vol1.user.mobile, "", "优秀志愿者", "区级", "2026-03-01", "海淀区", ""]
    outside = [world.vol2.user.mobile, "", "优秀志愿者", "区级", "2026-03-01", "海淀区", ""]
    bad_level = [world.vol1b.user.mobile, "", "优秀志愿者", "宇宙级", "2026-03-01", "海淀区", ""]
    r = logged_in(world.inst1_staff).post("/honors/awards/import/",
                                          {"file": workbook([good, outside, bad_level])})
    page = r.content.decode()
    assert r.status_code == 200 and 'data-testid="import-errors"' in page
    assert "<td class=\"num\">3</td>" in page and "<td class=\"num\">4</td>" in page
    assert Award.objects.count() == 0
    r = logged_in(world.inst1_staff).post("/honors/awards/import/", {"file": workbook(
        [good, [world.vol1b.user.mobile, "", "服务之星", "街道级", "2026-04-01", "海淀街道", ""]])})
    assert r.status_code == 302
    assert Award.objects.filter(source="import").count() == 2


def test_an_import_that_is_not_excel_is_refused(world):
    junk = io.BytesIO(b"not a workbook")
    junk.name = "awards.xlsx"
    r = logged_in(world.inst1_staff).post("/honors/awards/import/", {"file": junk})
    assert r.status_code == 200 and "xlsx" in r.content.decode()
    assert Award.objects.count() == 0


def test_the_board_is_public_and_names_follow_consent(ranked, client):
    PublicityConsent.objects.create(volunteer=ranked.vol1b, display="full")
    PublicityConsent.objects.create(volunteer=ranked.vol2, display="hidden")
    page = client.get(f"/honors/board/{ranked.center.pk}/").content.decode()
    assert ranked.vol1b.real_name in page
    assert ranked.vol2.real_name not in page and ranked.vol2.real_name[0] + "志愿者" not in page
    assert ranked.vol1.real_name[0] + "志愿者" in page and ranked.vol1.real_name not in page


def test_a_volunteer_sets_their_consent_and_a_resident_cannot(world):
    r = logged_in(world.vol1.user).post("/honors/consent/", {"display": "hidden"})
    assert r.status_code == 302
    assert PublicityConsent.objects.get(volunteer=world.vol1).display == "hidden"
    assert logged_in(world.res1.user).get("/honors/consent/").status_code == 403


def test_only_the_centers_staff_edit_the_formula(world):
    page = logged_in(world.sta1_staff).get("/honors/formula/").content.decode()
    assert "<form" not in page.split('class="card"', 1)[1].split("</section>")[0]
    r = logged_in(world.sta1_staff).post("/honors/formula/", {"w_hours": "5"})
    assert r.status_code in (200, 403)
    assert not RankingFormula.objects.exists()
    assert logged_in(world.vol1.user).get("/honors/formula/").status_code == 403


def test_the_board_shows_last_months_stars_while_this_month_has_none(world, client):
    first = timezone.localdate().replace(day=1)
    line(world.vol1, 4, first - datetime.timedelta(days=3))
    page = client.get(f"/honors/board/{world.center.pk}/").content.decode()
    assert "4.00 小时" in page
