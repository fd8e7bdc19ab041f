"""The platform's input rules outside the API: page forms and filters (CleanForm), the <id:>
URL converter, the OpenAPI document's declared errors, Swagger UI served locally, and the
sweep that puts the types into the apps (scripts/sweep_bad_input.py)."""

import datetime
import importlib.util
import re
from pathlib import Path

import pytest
from django import forms
from django.test import Client

from wenming.api import api
from wenming.core.converters import IdConverter
from wenming.core.forms import CleanForm
from wenming.orgs.models import OrgNode

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "sweep_bad_input.py"


class FilterForm(CleanForm):
    q = forms.CharField(required=False, max_length=50)
    title = forms.CharField(max_length=50)
    start = forms.DateTimeField(required=False, input_formats=["%Y-%m-%dT%H:%M"])
    day = forms.DateField(required=False)
    number = forms.IntegerField(required=False, min_value=1)
    org = forms.ModelChoiceField(required=False, queryset=OrgNode.objects.all())
    lat = forms.FloatField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["late"] = forms.CharField(required=False)  # added after the base's init


def errors_of(**data) -> dict:
    form = FilterForm({"title": "义诊", **data})
    form.is_valid()
    return form.errors


@pytest.mark.parametrize("field", ["q", "title", "late"])
@pytest.mark.parametrize("text", ["a\x00b", "a\x07b", "a\x1b[31mb", "a\x85b"])
def test_a_form_refuses_control_characters_in_any_text_field(field, text):
    assert "控制字符" in errors_of(**{field: text})[field][0]


@pytest.mark.parametrize("text", ["\u200b", "\u200b\u200d\ufeff", " \u3000 "])
def test_a_form_treats_invisible_text_as_empty(text):
    assert errors_of(title=text)["title"] == ["这个字段是必填项。"]
    form = FilterForm({"title": "义诊", "q": text})
    assert form.is_valid() and form.cleaned_data["q"] == ""


@pytest.mark.parametrize("value", ["9999-12-31T23:59", "0001-01-01T00:00", "1999-12-31T23:59",
                                   "2101-01-01T00:00"])
def test_a_form_refuses_a_time_outside_the_platform_range(value):
    assert "2000-01-01" in errors_of(start=value)["start"][0]


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01"])
def test_a_filter_refuses_a_date_outside_the_platform_range(value):
    assert "day" in errors_of(day=value)


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["number", "org"])
@pytest.mark.parametrize("value", [str(2**63), "9" * 30])
def test_a_form_refuses_a_number_beyond_64_bits_before_the_database_sees_it(field, value):
    assert "超出允许的范围" in errors_of(**{field: value})[field][0]


@pytest.mark.parametrize("value", ["nan", "inf", "-Infinity"])
def test_a_form_refuses_coordinates_that_are_not_finite(value):
    assert "lat" in errors_of(lat=value)


def test_a_valid_form_is_untouched():
    form = FilterForm({"title": "义诊", "q": "第一行\n第二行", "start": "2030-05-01T09:00",
                       "day": "2100-12-31", "number": str(2**63 - 1)})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["q"] == "第一行\n第二行"
    assert form.cleaned_data["day"] == datetime.date(2100, 12, 31)


# ---- the <id:> converter ---------------------------------------------------------------------

@pytest.mark.parametrize("value", ["0", str(2**63), "9" * 19])
def test_the_id_converter_refuses_what_is_no_row_id(value):
    with pytest.raises(ValueError):
        IdConverter().to_python(value)


def test_the_id_converter_takes_a_64_bit_id():
    assert IdConverter().to_python(str(2**63 - 1)) == 2**63 - 1
    assert not re.fullmatch(IdConverter.regex, "9" * 20)


# ---- the OpenAPI document --------------------------------------------------------------------

@pytest.fixture(scope="module")
def document():
    return api.get_openapi_schema()


def operations(document):
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield path, method.upper(), operation


def test_every_error_response_is_the_error_component(document):
    error = document["components"]["schemas"]["Error"]
    assert error["properties"]["error"]["required"] == ["code", "message"]
    for _path, _method, operation in operations(document):
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Error"}


def test_operations_that_need_a_login_declare_401_403_and_404(document):
    for path, method, operation in operations(document):
        if operation.get("security") and {} not in operation["security"]:
            assert {401, 403, 404} <= set(map(int, operation["responses"])), (method, path)


def test_operations_with_input_declare_422_and_writes_declare_409(document):
    for path, method, operation in operations(document):
        statuses = set(map(int, operation["responses"]))
        if operation["parameters"] or "requestBody" in operation:
            assert {400, 404, 422} <= statuses, (method, path)
        if method in {"POST", "PUT", "PATCH", "DELETE"}:
            assert 409 in statuses, (method, path)


def test_the_login_declares_its_lockout(document):
    assert {401, 429} <= set(map(int, document["paths"]["/api/auth/token"]["post"]["responses"]))


def test_a_login_optional_operation_says_so(document):
    assert {} in document["paths"]["/api/volunteers"]["post"]["security"]


# ---- Swagger UI without a CDN ----------------------------------------------------------------

@pytest.mark.django_db
def test_the_api_docs_load_nothing_from_another_host():
    response = Client().get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui-bundle.js" in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html), html
    assert '"validatorUrl": null' in html


@pytest.mark.django_db
def test_swagger_ui_files_are_served_by_the_app():
    for name in ("swagger-ui-bundle.js", "swagger-ui.css", "swagger-ui-init.js"):
        response = Client().get(f"/static/ninja/{name}")
        assert response.status_code == 200, name
        b"".join(response.streaming_content)


# ---- the sweep -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sweep():
    spec = importlib.util.spec_from_file_location("sweep_bad_input", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


API_BEFORE = '''"""An app's API."""

import datetime

from ninja import Field, Query, Router, Schema

from wenming.core.schemas import Strict

router = Router()


class ThingIn(Strict):
    org_id: int
    team_id: int | None = None
    lat: float = Field(..., ge=-90, le=90)
    home_lng: float | None = None
    quota: int = 0


class ThingFilter(Schema):
    org: int | None = None
    q: str = ""


@router.get("/things/{thing_id}")
def thing_get(request, thing_id: int, code: str = "", on: datetime.date | None = None):
    return helper(thing_id)


def helper(thing_id: int) -> dict:
    return {}
'''


def test_the_sweep_puts_the_types_into_an_api_module(sweep):
    after = sweep.sweep_api(API_BEFORE)
    assert "from ninja import Field, Query, Router\n" in after
    assert "from wenming.core.schemas import Id, Lat, Lng, PlatformDate, Schema, Strict, " \
        "Text" in after
    for line in ("    org_id: Id\n", "    team_id: Id | None = None\n",
                 "    lat: Lat = Field(", "    home_lng: Lng | None = None\n",
                 "    quota: int = 0\n", "    org: Id | None = None\n",
                 'def thing_get(request, thing_id: Id, code: Text = "", '
                 "on: PlatformDate | None = None):",
                 "def helper(thing_id: int) -> dict:"):
        assert line in after, line


def test_the_sweep_is_idempotent(sweep):
    once = sweep.sweep_api(API_BEFORE)
    assert sweep.sweep_api(once) == once
    urls = sweep.sweep_urls('path("things/<int:thing_id>/", views.thing)')
    assert urls == 'path("things/<id:thing_id>/", views.thing)' == sweep.sweep_urls(urls)


def test_the_sweep_makes_forms_clean_forms(sweep):
    before = ("from django import forms\n\nfrom wenming.core.forms import PhoneInput\n\n\n"
              "class ThingForm(forms.Form):\n    name = forms.CharField()\n")
    after = sweep.sweep_forms(before)
    assert "class ThingForm(CleanForm):" in after
    assert "from wenming.core.forms import CleanForm, PhoneInput\n" in after
    assert sweep.sweep_forms(after) == after


def test_the_sweep_rewrites_a_tree_and_then_has_nothing_left(sweep, tmp_path, capsys):
    app = tmp_path / "things"
    app.mkdir()
    (app / "api.py").write_text(API_BEFORE, encoding="utf-8")
    (app / "urls.py").write_text('ROUTE = "<int:thing_id>/"\n', encoding="utf-8")
    assert sweep.main(["--root", str(tmp_path), "--check"]) == 1
    assert sweep.main(["--root", str(tmp_path)]) == 0
    assert sweep.main(["--root", str(tmp_path), "--check"]) == 0
    assert "<id:thing_id>" in (app / "urls.py").read_text(encoding="utf-8")
    assert "changed:" in capsys.readouterr().out


def test_a_clean_form_keeps_file_fields_working():
    from django.core.files.uploadedfile import SimpleUploadedFile

    class UploadForm(CleanForm):
        note = forms.CharField()
        photo = forms.FileField()

    upload = SimpleUploadedFile("a.txt", b"hello")
    form = UploadForm({"note": "ok"}, {"photo": upload})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["photo"] is upload
