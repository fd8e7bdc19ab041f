import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_an_unknown_api_path_answers_in_the_error_shape():
    response = Client().get("/api/no-such-thing")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_wrong_method_answers_in_the_error_shape(world, client_for):
    response = client_for(world.sta1_staff).put("/api/me")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
    assert "GET" in response["Allow"]


def test_pages_keep_their_html_404(db):
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    assert "text/html" in response["Content-Type"]
