"""Accounts: tokens revoked, expired and ended by a password change or reset; the password
page and API; a login mobile changed only with a code sent to the new number."""

import datetime

import pytest
from django.contrib.auth.hashers import make_password
from django.test import Client
from django.utils import timezone

from wenming.core.errors import Conflict
from wenming.core.tests.helpers import assert_chinese_error, assert_error, post_json
from wenming.inbox.models import Notification
from wenming.people import accounts, services
from wenming.people.models import ApiToken, AuditLog, MobileChange
from wenming.people.tests.factories import PASSWORD
from wenming.people.tests.sms import RecordingChannel, codes_sent_to
from wenming.testing import race

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Fresh@2027x"
NEW_MOBILE = "13566667777"


def token_for(login: str, password: str = PASSWORD) -> str:
    response = post_json(Client(), "/api/auth/token", {"username": login, "password": password})
    assert response.status_code == 200, response.content
    return response.json()["token"]


def bearer(token: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.fixture
def sms(settings):
    settings.WENMING_OUTBOUND_CHANNELS = ["wenming.people.tests.sms.RecordingChannel"]
    RecordingChannel.sent.clear()
    return RecordingChannel.sent


# --- tokens -----------------------------------------------------------------------------


def test_delete_revokes_the_callers_token_only(world):
    first, second = token_for("vol1"), token_for("vol1")
    assert bearer(first).delete("/api/auth/token").status_code == 204
    assert_error(bearer(first).get("/api/me"), 401, "not_authenticated")
    assert bearer(second).get("/api/me").status_code == 200


def test_delete_needs_a_token_not_a_session(world, client_for):
    assert_error(client_for(world.vol1.user).delete("/api/auth/token"), 401)
    assert_error(Client().delete("/api/auth/token"), 401)


def test_tokens_expire_after_the_configured_days(world, settings):
    settings.API_TOKEN_DAYS = 30
    token = token_for("vol1")
    stored = ApiToken.objects.get()
    assert stored.expires_at - stored.created_at == pytest.approx(
        datetime.timedelta(days=30), abs=datetime.timedelta(seconds=5))
    ApiToken.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert_error(bearer(token).get("/api/me"), 401, "not_authenticated")


def test_a_password_change_ends_every_token_of_the_user_only(world):
    mine, other = token_for("vol1"), token_for("vol2")
    response = post_json(bearer(mine), "/api/me/password",
                         {"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert response.status_code == 200, response.content
    assert_error(bearer(mine).get("/api/me"), 401)
    assert bearer(other).get("/api/me").status_code == 200
    assert token_for("vol1", NEW_PASSWORD)


def test_a_password_set_anywhere_ends_the_tokens(world):
    # The admin, `changepassword` and Django's reset views all end in set_password + save.
    token = token_for("vol1")
    user = world.vol1.user
    user.set_password(NEW_PASSWORD)
    user.save()
    assert_error(bearer(token).get("/api/me"), 401)


def test_a_login_that_upgrades_the_hash_keeps_the_tokens(world):
    # The suite hashes with MD5 first: a login with an argon2 hash rewrites it, which Django
    # marks as no password change.
    user = world.vol1.user
    type(user).objects.filter(pk=user.pk).update(
        password=make_password(PASSWORD, hasher="argon2"))
    token = services.token_issue(user=user)
    token_for("vol1")
    user.refresh_from_db()
    assert user.password.startswith("md5$")
    assert bearer(token).get("/api/me").status_code == 200


# --- password change and reset ----------------------------------------------------------


def test_a_wrong_current_password_changes_nothing(world, client_for):
    token = token_for("vol1")
    response = post_json(client_for(world.vol1.user), "/api/me/password",
                         {"current_password": "nope-nope", "new_password": NEW_PASSWORD})
    assert_chinese_error(response, 400, "wrong_password")
    world.vol1.user.refresh_from_db()
    assert world.vol1.user.check_password(PASSWORD)
    assert bearer(token).get("/api/me").status_code == 200


def test_guessing_the_current_password_hits_the_lockout(world, client_for):
    client = client_for(world.vol1.user)
    statuses = [post_json(client, "/api/me/password", {
        "current_password": f"guess-{i}", "new_password": NEW_PASSWORD}).status_code
        for i in range(5)]
    assert statuses == [400, 400, 400, 400, 429]


def test_a_weak_new_password_is_refused(world, client_for):
    response = post_json(client_for(world.vol1.user), "/api/me/password",
                         {"current_password": PASSWORD, "new_password": "12345678"})
    assert_chinese_error(response, 422)


def test_the_password_page_keeps_this_browser_logged_in(world, client_for):
    client = client_for(world.vol1.user)
    token = token_for("vol1")
    response = client.post("/me/password/", {"current_password": PASSWORD,
                                             "new_password": NEW_PASSWORD,
                                             "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert client.get("/me/").status_code == 200  # still logged in
    assert_error(bearer(token).get("/api/me"), 401)


def test_the_password_page_shows_a_wrong_current_password(world, client_for):
    response = client_for(world.vol1.user).post("/me/password/", {
        "current_password": "nope-nope", "new_password": NEW_PASSWORD,
        "new_password2": NEW_PASSWORD})
    assert "当前密码不正确" in response.content.decode()


def test_the_password_page_needs_a_login(db):
    assert Client().get("/me/password/").status_code == 302


def test_staff_reset_a_volunteers_password_audited_and_told(world, client_for):
    token = token_for("vol1")
    response = post_json(client_for(world.sta1_staff), f"/api/volunteers/{world.vol1.id}/password",
                         {"new_password": NEW_PASSWORD})
    assert response.status_code == 200, response.content
    assert token_for(world.vol1.user.mobile, NEW_PASSWORD)
    assert_error(bearer(token).get("/api/me"), 401)
    log = AuditLog.objects.get(action="password_reset")
    assert (log.actor, log.object_id) == (world.sta1_staff, str(world.vol1.id))
    assert Notification.objects.filter(user=world.vol1.user, title__contains="密码").exists()


@pytest.mark.parametrize(("persona", "target"), [
    ("sta1_staff", "vol1b"), ("sta2_staff", "vol1"), ("inst2_staff", "vol1"),
    ("outsider", "vol1"), ("res1", "vol1"), ("vol1", "vol1b")])
def test_a_reset_outside_the_subtree_is_404(world, client_for, persona, target):
    user = getattr(world, persona)
    volunteer = getattr(world, target)
    client = client_for(getattr(user, "user", user))
    response = post_json(client, f"/api/volunteers/{volunteer.id}/password",
                         {"new_password": NEW_PASSWORD})
    assert_chinese_error(response, 404)
    assert client.get(f"/volunteers/{volunteer.id}/password/").status_code in (403, 404)
    volunteer.user.refresh_from_db()
    assert volunteer.user.check_password(PASSWORD)


def test_a_volunteer_cannot_reset_their_own_password_as_staff_would(world, client_for):
    response = post_json(client_for(world.vol1.user), f"/api/volunteers/{world.vol1.id}/password",
                         {"new_password": NEW_PASSWORD})
    assert_chinese_error(response, 403)


def test_the_reset_page_sets_the_password(world, client_for):
    client = client_for(world.inst1_staff)
    page = client.get(f"/volunteers/{world.vol1.id}/").content.decode()
    assert 'data-move="reset_password"' in page
    response = client.post(f"/volunteers/{world.vol1.id}/password/", {
        "new_password": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    world.vol1.user.refresh_from_db()
    assert world.vol1.user.check_password(NEW_PASSWORD)


# --- a new login mobile ----------------------------------------------------------------


def start(client, mobile=NEW_MOBILE):
    return post_json(client, "/api/me/mobile", {"mobile": mobile})


def confirm(client, code):
    return post_json(client, "/api/me/mobile/confirm", {"code": code})


def test_the_mobile_changes_with_the_code_sent_to_the_new_number(
        world, client_for, sms, django_capture_on_commit_callbacks):
    client = client_for(world.vol1.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = start(client, "+86 135 6666 7777")
    assert response.status_code == 202
    assert response.json()["sent_to"] == "135****7777"
    [code] = codes_sent_to(NEW_MOBILE)
    assert codes_sent_to(world.vol1.user.mobile) == []  # not to the old phone, nor the inbox
    assert not Notification.objects.filter(body__contains=code).exists()
    assert confirm(client, code).json() == {"mobile": NEW_MOBILE}
    world.vol1.user.refresh_from_db()
    assert world.vol1.user.mobile == NEW_MOBILE
    assert token_for(NEW_MOBILE)


def test_a_wrong_code_changes_nothing_and_uses_up_an_attempt(
        world, client_for, sms, django_capture_on_commit_callbacks):
    client = client_for(world.vol1.user)
    old = world.vol1.user.mobile
    with django_capture_on_commit_callbacks(execute=True):
        start(client)
    [code] = codes_sent_to(NEW_MOBILE)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    assert_chinese_error(confirm(client, wrong), 400, "wrong_code")
    assert MobileChange.objects.get().attempts == 1
    world.vol1.user.refresh_from_db()
    assert world.vol1.user.mobile == old


def test_attempts_are_limited_even_for_the_right_code(
        world, client_for, sms, settings, django_capture_on_commit_callbacks):
    client = client_for(world.vol1.user)
    with django_capture_on_commit_callbacks(execute=True):
        start(client)
    [code] = codes_sent_to(NEW_MOBILE)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(settings.WENMING_MOBILE_CODE_ATTEMPTS):
        assert_error(confirm(client, wrong), 400, "wrong_code")
    assert_chinese_error(confirm(client, code), 429, "too_many_attempts")
    world.vol1.user.refresh_from_db()
    assert world.vol1.user.mobile != NEW_MOBILE


def test_an_expired_code_does_not_work(world, client_for, sms,
                                       django_capture_on_commit_callbacks):
    client = client_for(world.vol1.user)
    with django_capture_on_commit_callbacks(execute=True):
        start(client)
    [code] = codes_sent_to(NEW_MOBILE)
    MobileChange.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert_chinese_error(confirm(client, code), 400, "code_expired")


def test_a_new_code_ends_the_old_one(world, client_for, sms,
                                     django_capture_on_commit_callbacks):
    client = client_for(world.vol1.user)
    with django_capture_on_commit_callbacks(execute=True):
        start(client)
        start(client, "13566668888")
    old_code = codes_sent_to(NEW_MOBILE)[0]
    assert_error(confirm(client, old_code), 400)
    world.vol1.user.refresh_from_db()
    assert world.vol1.user.mobile != NEW_MOBILE


def test_codes_are_limited_per_hour(world, client_for, sms, settings):
    client = client_for(world.vol1.user)
    for i in range(settings.WENMING_MOBILE_CODES_PER_HOUR):
        assert start(client, f"1356666{i:04d}").status_code == 202
    assert_chinese_error(start(client, "13566669999"), 429, "too_many_codes")


def test_a_taken_number_is_told_only_to_whoever_holds_its_phone(
        world, client_for, sms, django_capture_on_commit_callbacks):
    client = client_for(world.vol1.user)
    taken = world.vol2.user.mobile
    with django_capture_on_commit_callbacks(execute=True):
        assert start(client, taken).status_code == 202  # no answer about the number yet
    [code] = codes_sent_to(taken)
    assert_chinese_error(confirm(client, code), 409, "duplicate_mobile")


def test_a_code_belongs_to_its_account(world, client_for, sms,
                                       django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        start(client_for(world.vol1.user))
    [code] = codes_sent_to(NEW_MOBILE)
    assert_error(confirm(client_for(world.vol2.user), code), 400, "code_expired")
    world.vol2.user.refresh_from_db()
    assert world.vol2.user.mobile != NEW_MOBILE


def test_the_mobile_api_needs_a_login(db):
    assert_error(start(Client()), 401)
    assert_error(confirm(Client(), "123456"), 401)


def test_the_mobile_page_sends_then_confirms(world, client_for, sms,
                                             django_capture_on_commit_callbacks):
    client = client_for(world.vol1.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/me/mobile/", {"send": "1", "mobile": NEW_MOBILE})
    assert response.status_code == 302
    page = client.get("/me/mobile/").content.decode()
    assert "135****7777" in page
    [code] = codes_sent_to(NEW_MOBILE)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    assert "验证码不正确" in client.post("/me/mobile/", {"confirm": "1", "code": wrong}
                                        ).content.decode()
    assert client.post("/me/mobile/", {"confirm": "1", "code": code}).status_code == 302
    world.vol1.user.refresh_from_db()
    assert world.vol1.user.mobile == NEW_MOBILE


@pytest.mark.django_db(transaction=True)
def test_of_two_confirmations_at_once_one_wins(world, sms):
    user = world.vol1.user
    accounts.mobile_change_start(user=user, new_mobile=NEW_MOBILE)
    [code] = codes_sent_to(NEW_MOBILE)

    def attempt():
        try:
            accounts.mobile_change_confirm(user=user, code=code)
            return "won"
        except Conflict as exc:
            return exc.code

    assert sorted(race([attempt, attempt], close_main=True)) == ["code_used", "won"]
    user.refresh_from_db()
    assert user.mobile == NEW_MOBILE
    change = MobileChange.objects.get()
    # The loser counts an attempt only when it read the code before the winner used it.
    assert change.confirmed_at is not None and change.attempts in (1, 2)
