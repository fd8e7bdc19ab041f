"""The 志愿服务记录证明: a real PDF read back with poppler, its public verification, and the
snapshot that stays true after the ledger moves on."""

import datetime
import json
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.test import Client

from wenming.activities import certificates, services
from wenming.activities.models import Certificate, ServiceRecord
from wenming.core.masking import mask_id_number, mask_name

pytestmark = pytest.mark.django_db
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"


def approved(world, volunteer, day: datetime.date, hours: str, title="关爱空巢老人上门理发服务",
             place="稻香园小区3号楼") -> ServiceRecord:
    """A ledger line through the real approval service."""
    record = ServiceRecord.objects.create(
        volunteer=volunteer, org=world.sta1, kind=ServiceRecord.Kind.BACKFILL, title=title,
        place=place, content="为行动不便的老人理发", leader_name="李四", service_date=day,
        hours=Decimal(hours), created_by=world.sta1_staff, reason="补录")
    return services.record_approve(by=world.sta1_staff, record=record)


@pytest.fixture
def ledger(world):
    return [approved(world, world.vol1, datetime.date(2025, 3, 1), "2.5"),
            approved(world, world.vol1, datetime.date(2025, 6, 15), "3", title="垃圾分类宣传",
                     place="稻香园社区活动中心"),
            approved(world, world.vol1, datetime.date(2025, 9, 20), "4", title="理论宣讲进社区")]


def pdf_text(content: bytes, tmp_path: Path) -> str:
    """The PDF's text as poppler reads it, whitespace removed (lines wrap anywhere)."""
    path = tmp_path / "certificate.pdf"
    path.write_bytes(content)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    return "".join(text.split())


def person(world, name: str):
    """The account of a persona (volunteers and residents are profiles of a user)."""
    obj = getattr(world, name)
    return getattr(obj, "user", obj)


def certificate_url(volunteer, query="") -> str:
    return f"/api/volunteers/{volunteer.id}/certificate{query}"


def test_it_prints_a_real_pdf_in_chinese(world, ledger, client_for, tmp_path):
    response = client_for(world.vol1.user).get(certificate_url(world.vol1))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert ".pdf" in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF")
    cert = Certificate.objects.get()
    text = pdf_text(response.content, tmp_path)
    assert "志愿服务记录证明" in text
    assert world.vol1.user.real_name in text
    assert cert.code in text
    assert mask_id_number(world.vol1.id_number) in text
    assert world.vol1.id_number not in text
    assert "9.5" in text and "垃圾分类宣传" in text and world.sta1.name in text
    assert f"/verify/{cert.code}/" in text
    if shutil.which("pdftoppm"):  # the page to look at: test-artifacts/certificate-1.png
        ARTIFACTS.mkdir(exist_ok=True)
        (tmp_path / "c.pdf").write_bytes(response.content)
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1",
                        str(tmp_path / "c.pdf"), str(ARTIFACTS / "certificate")], check=True)


def test_it_embeds_the_cjk_font(world, ledger, client_for, tmp_path):
    response = client_for(world.vol1.user).get(certificate_url(world.vol1))
    (tmp_path / "c.pdf").write_bytes(response.content)
    fonts = subprocess.run(["pdffonts", str(tmp_path / "c.pdf")], capture_output=True,
                           text=True, check=True).stdout
    cjk = [line for line in fonts.splitlines() if "TrueType" in line]
    assert cjk and all(" yes " in line for line in cjk)


def test_each_call_freezes_a_new_snapshot(world, ledger, client_for):
    client = client_for(world.vol1.user)
    client.get(certificate_url(world.vol1))
    client.get(certificate_url(world.vol1))
    first, second = Certificate.objects.order_by("id")
    assert first.code != second.code
    assert first.total_hours == second.total_hours == Decimal("9.5")
    assert first.issued_by == world.vol1.user


def test_it_certifies_a_chosen_period(world, ledger, client_for, tmp_path):
    response = client_for(world.vol1.user).get(
        certificate_url(world.vol1, "?from=2025-06-01&to=2025-12-31"))
    cert = Certificate.objects.get()
    assert cert.total_hours == Decimal("7")
    assert [r["title"] for r in cert.records] == ["垃圾分类宣传", "理论宣讲进社区"]
    assert (cert.period_from, cert.period_to) == (datetime.date(2025, 6, 1),
                                                  datetime.date(2025, 12, 31))
    text = pdf_text(response.content, tmp_path)
    assert "2025年6月1日至2025年12月31日" in text
    assert "关爱空巢老人" not in text


def test_it_refuses_a_reversed_period(world, client_for):
    response = client_for(world.vol1.user).get(
        certificate_url(world.vol1, "?from=2025-12-31&to=2025-01-01"))
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_period"


def test_it_refuses_a_malformed_date(world, client_for):
    response = client_for(world.vol1.user).get(certificate_url(world.vol1, "?from=yesterday"))
    assert response.status_code == 422
    assert not Certificate.objects.exists()


def test_a_long_ledger_runs_over_several_pages(world, client_for, tmp_path):
    for n in range(70):
        approved(world, world.vol1, datetime.date(2024, 1, 1) + datetime.timedelta(days=n * 5),
                 "1.5", title=f"社区志愿服务第{n + 1}次")
    response = client_for(world.vol1.user).get(certificate_url(world.vol1))
    text = pdf_text(response.content, tmp_path)
    assert "社区志愿服务第1次" in text and "社区志愿服务第70次" in text
    assert "第2页/共" in text
    assert "105" in text  # 70 × 1.5 hours


def test_it_says_so_when_there_is_nothing_to_certify(world, client_for, tmp_path):
    response = client_for(world.vol1.user).get(certificate_url(world.vol1))
    assert response.status_code == 200
    assert "暂无经认定的服务记录" in pdf_text(response.content, tmp_path)


@pytest.mark.parametrize("persona,status", [
    ("vol1", 200), ("sta1_staff", 200), ("inst1_staff", 200), ("center_staff", 200),
    ("admin", 200), ("sta2_staff", 404), ("inst2_staff", 404), ("vol2", 404), ("res1", 404),
    ("outsider", 404),
])
def test_it_validates_scope(world, ledger, client_for, persona, status):
    response = client_for(person(world, persona)).get(certificate_url(world.vol1))
    assert response.status_code == status
    assert Certificate.objects.count() == (1 if status == 200 else 0)


def test_it_needs_a_login(world):
    assert Client().get(certificate_url(world.vol1)).status_code == 401


def test_verify_api_confirms_what_was_certified(world, ledger, client_for):
    client_for(world.vol1.user).get(certificate_url(world.vol1))
    cert = Certificate.objects.get()
    body = Client().get(f"/api/verify/{cert.code.lower()}").json()
    assert body["valid"] is True
    assert body["total_hours"] == 9.5
    assert body["id_number"] == mask_id_number(world.vol1.id_number)
    assert len(body["records"]) == 3
    assert Client().get("/api/verify/NOSUCHCODE23").status_code == 404


def test_verify_page_shows_the_certificate_and_no_more(world, ledger, client_for):
    client_for(world.sta1_staff).get(certificate_url(world.vol1))
    cert = Certificate.objects.get()
    page = Client().get(f"/verify/{cert.code}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "真实有效" in html and cert.code in html
    assert mask_name(world.vol1.user.real_name) in html
    assert world.vol1.user.real_name not in html
    assert mask_id_number(world.vol1.id_number) in html
    assert world.vol1.id_number not in html and world.vol1.user.mobile not in html
    assert "9.5" in html and "理论宣讲进社区" in html and world.sta1.name in html


def shown(hours: float) -> str:
    """Hours as the page writes them (`floatformat:"-2"`): 3, 9.50."""
    return f"{hours:.2f}".removesuffix(".00")


def test_verify_api_answers_exactly_what_the_page_shows(world, ledger, client_for):
    client_for(world.vol1.user).get(certificate_url(world.vol1, "?from=2025-01-01"))
    cert = Certificate.objects.get()
    api = Client().get(f"/api/verify/{cert.code}").json()
    page = Client().get(f"/verify/{cert.code}/")
    # One function builds both: the page renders the very facts the API returns.
    assert api == json.loads(json.dumps(page.context["facts"], cls=DjangoJSONEncoder))
    html = page.content.decode()
    for key in ("code", "real_name", "id_number", "period", "org"):
        assert api[key] in html, key
    assert api["real_name"] == mask_name(world.vol1.user.real_name)
    assert api["id_number"] == mask_id_number(world.vol1.id_number)
    assert f"<strong>{shown(api['total_hours'])}</strong>" in html
    assert f"{api['record_count']} 条记录" in html
    issued = datetime.date.fromisoformat(api["issued_on"])
    assert f"{issued.year}年{issued.month}月{issued.day}日" in html
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td>"
                      r"<td>(.*?)</td></tr>", html)
    assert rows == [(r["date"], r["title"], r["place"] or "—", shown(r["hours"]), r["org"])
                    for r in api["records"]]
    # Nothing the page keeps back: the full name and ID, each line's content and leader.
    text = json.dumps(api, ensure_ascii=False)
    for secret in (world.vol1.user.real_name, world.vol1.id_number, "为行动不便的老人理发", "李四"):
        assert secret not in text and secret not in html
    assert {key for r in api["records"] for key in r} == {"date", "title", "place", "hours",
                                                          "org"}


def test_verify_page_says_not_found_clearly(world):
    page = Client().get("/verify/ZZZZZZZZZZZZ/")
    assert page.status_code == 404
    assert "未找到该证明" in page.content.decode()


def test_verify_form_takes_a_typed_code(world, ledger, client_for):
    assert "验证码" in Client().get("/verify/").content.decode()
    response = Client().get("/verify/", {"code": " abcd-efgh "})
    assert response.status_code == 302 and response["Location"] == "/verify/ABCDEFGH/"


def test_an_old_certificate_stays_true_after_the_ledger_moves_on(world, ledger, client_for):
    client = client_for(world.vol1.user)
    client.get(certificate_url(world.vol1))
    old = Certificate.objects.get()
    services.record_reverse(by=world.sta1_staff, record=ledger[1], reason="重复登记")
    approved(world, world.vol1, datetime.date(2025, 11, 1), "6", title="冬季助老")
    client.get(certificate_url(world.vol1))
    new = Certificate.objects.exclude(pk=old.pk).get()
    assert new.total_hours == Decimal("12.5")  # 2.5 + 4 + 6
    assert "垃圾分类宣传" not in [r["title"] for r in new.records]

    body = Client().get(f"/api/verify/{old.code}").json()
    assert body["total_hours"] == 9.5
    assert [r["title"] for r in body["records"]] == ["关爱空巢老人上门理发服务", "垃圾分类宣传",
                                                     "理论宣讲进社区"]
    html = Client().get(f"/verify/{old.code}/").content.decode()
    assert "9.5" in html and "垃圾分类宣传" in html and "冬季助老" not in html


def test_my_certificate_page_prints_my_own(world, ledger, client_for, tmp_path):
    response = client_for(world.vol1.user).get("/my/certificate.pdf?from=2025-01-01")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert world.vol1.user.real_name in pdf_text(response.content, tmp_path)
    assert Certificate.objects.get().volunteer == world.vol1


@pytest.mark.parametrize("persona", ["res1", "sta1_staff", "outsider"])
def test_my_certificate_page_is_for_volunteers(world, client_for, persona):
    assert client_for(person(world, persona)).get("/my/certificate.pdf").status_code == 404


def test_my_certificate_page_explains_a_bad_date(world, client_for):
    response = client_for(world.vol1.user).get("/my/certificate.pdf?to=2025-02-30")
    assert response.status_code == 400
    assert "日期格式不正确" in response.content.decode()


def test_staff_certificate_page_is_scoped(world, ledger, client_for):
    url = f"/volunteers/{world.vol1.id}/certificate.pdf"
    assert client_for(world.inst1_staff).get(url).status_code == 200
    assert client_for(world.sta2_staff).get(url).status_code == 404
    assert client_for(world.vol1.user).get(url).status_code == 403  # staff page
    assert Client().get(url).status_code == 302  # to the login page


def test_a_missing_font_is_a_clear_error(world, monkeypatch):
    monkeypatch.setenv("WENMING_CJK_FONT", "/nonexistent/font.ttc")
    certificates.cjk_font.cache_clear()
    try:
        with pytest.raises(certificates.CertificateFontMissing, match="fonts-wqy-zenhei"):
            certificates.cjk_font()
    finally:
        certificates.cjk_font.cache_clear()
