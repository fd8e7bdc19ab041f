from django.contrib.auth.hashers import check_password, make_password

from wenming import settings as production


def test_production_hashes_passwords_with_argon2_first():
    # The suite runs on MD5 for speed; production must not.
    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_argon2_is_installed_and_works():
    encoded = make_password("Demo@2026", hasher="argon2")
    assert encoded.startswith("argon2$")
    assert check_password("Demo@2026", encoded)
    assert not check_password("demo@2026", encoded)


def test_the_login_lockout_triggers_after_five_failures():
    assert production.AXES_FAILURE_LIMIT == 5
    assert "axes.backends.AxesStandaloneBackend" == production.AUTHENTICATION_BACKENDS[0]


def test_postgresql_connections_run_without_jit(monkeypatch):
    # Read the settings as a PostgreSQL deployment would (DATABASE_URL), in a fresh module.
    import importlib.util

    monkeypatch.setenv("DATABASE_URL", "postgres://wenming@db.example:5432/wenming")
    spec = importlib.util.spec_from_file_location("settings_pg", production.__file__)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.DATABASES["default"]["OPTIONS"]["options"] == "-c jit=off"
