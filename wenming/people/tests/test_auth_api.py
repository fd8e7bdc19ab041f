"""/api/auth/token (username or mobile, lockout) and /api/me for each persona."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from wenming.core.tests.helpers import (
    assert_chinese_error,
    assert_english_error,
    assert_error,
    post_json,
)
from wenming.people.backends import UsernameOrMobileBackend, lockout_username
from wenming.people.models import ApiToken
from wenming.people.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def token_for(client, login: str, password: str = PASSWORD, **extra):
    return post_json(client, "/api/auth/token", {"username": login, "password": password},
                     **extra)


def bearer(token: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def test_it_issues_a_token_for_a_username(world, client):
    response = token_for(client, "vol1")
    assert response.status_code == 200
    me = bearer(response.json()["token"]).get("/api/me")
    assert me.status_code == 200
    assert me.json()["username"] == "vol1"


def test_it_issues_a_token_for_a_mobile_number(world, client):
    response = token_for(client, world.vol1.user.mobile)
    assert response.status_code == 200
    assert bearer(response.json()["token"]).get("/api/me").json()["id"] == world.vol1.user_id


def test_a_token_login_records_the_last_login(world, client):
    assert world.vol1.user.last_login is None
    assert token_for(client, "vol1").status_code == 200
    world.vol1.user.refresh_from_db()
    assert world.vol1.user.last_login is not None


def test_it_stores_only_a_hash_of_the_token(world, client):
    token = token_for(client, "vol1").json()["token"]
    stored = ApiToken.objects.get(user=world.vol1.user)
    assert token not in stored.key_hash
    assert len(stored.key_hash) == 64


def test_it_refuses_a_wrong_password(world, client):
    assert_chinese_error(token_for(client, "vol1", "wrong-password"), 401, "invalid_credentials")
    assert not ApiToken.objects.exists()


def test_it_refuses_an_unknown_user_the_same_way(world, client):
    assert_chinese_error(token_for(client, "nobody"), 401, "invalid_credentials")


def test_it_refuses_a_deactivated_user(world, client):
    world.vol1.user.is_active = False
    world.vol1.user.save()
    assert_error(token_for(client, "vol1"), 401, "invalid_credentials")


def test_it_locks_an_account_out_after_five_failures(world, client):
    statuses = [token_for(client, "vol1", "wrong-password").status_code for _ in range(5)]
    assert statuses == [401, 401, 401, 401, 429]
    # Even the right password is refused while locked, in the API's error shape.
    assert_chinese_error(token_for(client, "vol1"), 429, "locked_out")
    assert not ApiToken.objects.exists()


def test_a_lockout_of_one_account_leaves_others_alone(world, client):
    for _ in range(5):
        token_for(client, "vol1", "wrong-password")
    assert token_for(client, "vol2").status_code == 200


def test_a_success_resets_the_failure_count(world, client):
    for _ in range(4):
        token_for(client, "vol1", "wrong-password")
    assert token_for(client, "vol1").status_code == 200
    for _ in range(4):
        token_for(client, "vol1", "wrong-password")
    assert token_for(client, "vol1").status_code == 200


def test_it_says_locked_out_in_english_when_asked(world, client):
    for _ in range(5):
        token_for(client, "vol1", "wrong-password")
    assert_english_error(token_for(client, "vol1", HTTP_ACCEPT_LANGUAGE="en"), 429, "locked_out")


def test_it_says_wrong_credentials_in_english_when_asked(world, client):
    response = token_for(client, "vol1", "nope", HTTP_ACCEPT_LANGUAGE="en")
    assert_english_error(response, 401, "invalid_credentials")


@pytest.mark.parametrize("body", [
    {"username": "vol1"},
    {"username": "vol1", "password": PASSWORD, "remember": True},
    {"username": "v" * 10_000, "password": PASSWORD},
    {"username": "vol1", "password": "p" * 10_000},
    {"username": ["vol1"], "password": PASSWORD},
])
def test_it_refuses_a_malformed_token_request(world, client, body):
    assert_chinese_error(post_json(client, "/api/auth/token", body), 422, "invalid_input")


def test_an_expired_token_is_refused(world, client):
    token = token_for(client, "vol1").json()["token"]
    ApiToken.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert_error(bearer(token).get("/api/me"), 401, "not_authenticated")


def test_the_token_of_a_deactivated_user_stops_working(world, client):
    token = token_for(client, "vol1").json()["token"]
    world.vol1.user.is_active = False
    world.vol1.user.save()
    assert_error(bearer(token).get("/api/me"), 401)


def test_the_backend_matches_username_or_mobile_and_nothing_else(world):
    backend = UsernameOrMobileBackend()
    assert backend.authenticate(None, username=" vol1 ", password=PASSWORD) == world.vol1.user
    assert backend.authenticate(None, username=world.vol1.user.mobile,
                                password=PASSWORD) == world.vol1.user
    assert backend.authenticate(None, username=world.vol1.user.real_name,
                                password=PASSWORD) is None
    assert backend.authenticate(None, username="", password=PASSWORD) is None


def test_me_shows_a_volunteer_their_roles_and_volunteer_id(world, client_for):
    body = client_for(world.vol1.user).get("/api/me").json()
    assert body["id"] == world.vol1.user_id
    assert body["username"] == "vol1"
    assert body["real_name"] == world.vol1.user.real_name
    assert body["roles"] == [{"role": "volunteer", "org_id": world.sta1.id}]
    assert body["volunteer_id"] == world.vol1.id


def test_me_shows_a_resident_only_themself(world, client_for):
    body = client_for(world.res1.user).get("/api/me").json()
    assert body["id"] == world.res1.user_id
    assert body["roles"] == [{"role": "resident", "org_id": world.sta1.id}]
    assert body["volunteer_id"] is None


def test_me_shows_staff_their_node(world, client_for):
    body = client_for(world.sta2_staff).get("/api/me").json()
    assert body["roles"] == [{"role": "staff", "org_id": world.sta2.id}]
    assert body["volunteer_id"] is None


def test_me_shows_an_outsider_no_roles(world, client_for):
    body = client_for(world.outsider).get("/api/me").json()
    assert body["username"] == "outsider"
    assert body["roles"] == []


def test_me_is_401_for_anonymous_callers(client):
    assert_chinese_error(client.get("/api/me"), 401, "not_authenticated")


# --- the lockout counts the account, however it is named -----------------------------------


def aliases(user) -> list[str]:
    mobile = user.mobile
    return [user.username, f"  {user.username} ", user.username.upper(), mobile,
            f"+86 {mobile[:3]} {mobile[3:7]} {mobile[7:]}"]


def test_every_name_of_one_account_shares_one_failure_count(world, client):
    statuses = [token_for(client, login, "wrong-password").status_code
                for login in aliases(world.vol1.user)]
    assert statuses == [401, 401, 401, 401, 429]
    for login in aliases(world.vol1.user):  # locked under every name, even the right password
        assert_chinese_error(token_for(client, login), 429, "locked_out")
    assert token_for(client, "vol2").status_code == 200


def test_the_login_page_counts_the_account_too(world):
    client = Client()
    for login in aliases(world.vol1.user):
        client.post("/login/", {"username": login, "password": "wrong-password"})
    response = client.post("/login/", {"username": world.vol1.user.mobile, "password": PASSWORD})
    assert response.status_code == 429
    assert not client.get("/").context["user"].is_authenticated


def test_an_unknown_login_counts_under_its_folded_form(world, client):
    statuses = [token_for(client, login, "x").status_code
                for login in ["nobody", " NOBODY", "Nobody ", "nobody", "NoBoDy"]]
    assert statuses == [401, 401, 401, 401, 429]


def test_every_alias_logs_in(world, client):
    for login in aliases(world.vol1.user):
        assert token_for(client, login).status_code == 200


def test_letter_case_names_no_account_when_two_accounts_differ_only_by_it(world, client):
    from wenming.people.tests.factories import UserFactory

    UserFactory(username="VOL1")
    assert lockout_username(None, {"username": "Vol1"}) == "vol1"  # the folded string
    assert token_for(client, "Vol1").status_code == 401
    assert token_for(client, "VOL1").status_code == 200
