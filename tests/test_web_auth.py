"""Issue 13: accounts and roles on a shared workbench, the audit log, and the serve command's refusals."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from painregen.cli.main import app as cli
from painregen.evidence.files import write_dataset
from painregen.registry import RegistryError, open_registry
from painregen.simulate import simulate
from painregen.web.app import create_app
from painregen.web.auth import required_role
from painregen.web.security import CSRF_COOKIE, unsign

PASSWORD = "correct horse battery"
USERS = {"ann": "admin", "rex": "reviewer", "eve": "extractor", "vic": "viewer"}


@pytest.fixture()
def db(registry_url: str) -> str:
    with open_registry(registry_url) as reg:
        for name, role in USERS.items():
            reg.add_user(name, PASSWORD, role)
    return registry_url


@pytest.fixture()
def app_auth(db: str, tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(db, auth=True, work_dir=tmp_path / "jobs")) as c:
        yield c


def _client(app_client: TestClient, name: str | None) -> TestClient:
    """A fresh browser (own cookies), signed in as ``name``."""
    c = TestClient(app_client.app)
    if name is not None:
        r = c.post("/api/login", json={"name": name, "password": PASSWORD})
        assert r.status_code == 200, r.text
    return c


def _token(c: TestClient) -> str:
    c.get("/login")
    token = unsign(c.app.state.config.secret, c.cookies[CSRF_COOKIE])  # type: ignore[attr-defined]
    assert token
    return token


def _csv(tmp_path: Path, seed: int) -> bytes:
    path = tmp_path / f"s{seed}.csv"
    write_dataset(simulate(2, seed=seed), path)
    return path.read_bytes()


def test_signed_out_requests_go_to_the_sign_in_page(app_auth: TestClient) -> None:
    c = _client(app_auth, None)
    r = c.get("/studies", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/studies"
    assert c.get("/api/studies").status_code == 401
    assert c.get("/login").status_code == 200 and "Sign in" in c.get("/login").text
    for h in ("content-security-policy", "x-frame-options", "x-content-type-options"):
        assert h in c.get("/api/studies").headers  # security headers on refusals too


def test_roles(app_auth: TestClient, tmp_path: Path) -> None:
    viewer, extractor, reviewer, admin = (_client(app_auth, n) for n in ("vic", "eve", "rex", "ann"))
    assert viewer.get("/api/studies").status_code == 200
    up = {"file": ("a.csv", _csv(tmp_path, 1), "text/csv")}
    assert viewer.post("/api/upload", files=up, headers={"x-csrf-token": _token(viewer)}).status_code == 403
    assert extractor.post("/api/upload", files=up, headers={"x-csrf-token": _token(extractor)}).status_code == 201
    decide = {"decisions": [{"vocabulary": "assay", "text": "Von Frey (g)", "status": "confirmed",
                             "curie": "von Frey filaments"}]}
    assert extractor.post("/api/mapping", json=decide, headers={"x-csrf-token": _token(extractor)}).status_code == 403
    r = reviewer.post("/api/mapping", json=decide, headers={"x-csrf-token": _token(reviewer)})
    assert r.status_code == 200 and r.json() == {"stored": 1}
    assert reviewer.get("/admin/users").status_code == 403 and admin.get("/admin/users").status_code == 200
    users = admin.get("/api/admin/users").json()["users"]
    assert {u["name"]: u["roles"]["*"] for u in users} == USERS
    with open_registry(app_auth.app.state.config.db) as reg:  # type: ignore[attr-defined]
        decision = next(iter(reg.mapping_decisions().values()))
        log = reg.audit_log(200)
    assert decision.decided_by == "rex"  # the account, not a name sent in a form
    mapping = [a for a in log if a["target"].startswith("term_mappings:")]
    assert mapping and mapping[0]["actor"] == "rex" and mapping[0]["after"]["curie"] == "PRG:assay-von-frey"
    imported = [a for a in log if a["action"] == "import"]
    assert imported and imported[0]["actor"] == "eve" and imported[0]["after"]["studies"] == 2
    assert {a["action"] for a in log} >= {"login", "import", "insert"}


def test_required_roles() -> None:
    assert required_role("GET", "/analysis") == "viewer"
    assert required_role("POST", "/api/upload") == "extractor"
    assert required_role("POST", "/review/screen/ta") == "reviewer"
    assert required_role("GET", "/admin/audit") == "admin"
    assert required_role("POST", "/jobs/report") == "viewer"


def test_failed_sign_ins_are_rate_limited(app_auth: TestClient) -> None:
    c = _client(app_auth, None)
    for _ in range(5):
        assert c.post("/api/login", json={"name": "ann", "password": "wrong password"}).status_code == 401
    r = c.post("/api/login", json={"name": "ann", "password": PASSWORD})
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    # the limit holds per client address too: guessing other names from there waits as well
    assert c.post("/api/login", json={"name": "rex", "password": PASSWORD}).status_code == 429


def test_disabling_an_account_ends_its_sessions(app_auth: TestClient) -> None:
    c = _client(app_auth, "vic")
    assert c.get("/api/studies").status_code == 200
    with open_registry(app_auth.app.state.config.db) as reg:  # type: ignore[attr-defined]
        reg.set_disabled("vic")
    assert c.get("/api/studies").status_code == 401
    assert _client(app_auth, None).post("/api/login", json={"name": "vic", "password": PASSWORD}).status_code == 401


def test_the_audit_log_is_append_only(db: str) -> None:
    with open_registry(db) as reg:
        reg.set_role("vic", "extractor")
        assert reg.audit_log(10)[0]["after"] == {"role": "extractor"}
        for sql in ("UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"):
            with pytest.raises(DBAPIError, match="append-only"), reg.engine.begin() as conn:
                conn.execute(text(sql))


def test_accounts_need_an_admin(registry_url: str) -> None:
    with pytest.raises(RegistryError, match="no enabled admin account"):
        create_app(registry_url, auth=True)


def test_user_commands_and_serve_refusals(tmp_path: Path) -> None:
    runner = CliRunner()
    db = str(tmp_path / "r.db")
    r = runner.invoke(cli, ["user", "add", "ann", "--role", "admin", "--password-stdin", "--db", db],
                      input=PASSWORD + "\n")
    assert r.exit_code == 0, r.output
    assert runner.invoke(cli, ["user", "add", "bob", "--password-stdin", "--db", db], input="short\n").exit_code == 2
    r = runner.invoke(cli, ["user", "list", "--db", db, "--json"])
    assert '"ann"' in r.output and '"admin"' in r.output
    assert runner.invoke(cli, ["user", "disable", "ann", "--db", db]).exit_code == 0
    r = runner.invoke(cli, ["serve", "--host", "0.0.0.0", "--db", db])
    assert r.exit_code == 2 and "--auth" in r.output
    r = runner.invoke(cli, ["serve", "--host", "0.0.0.0", "--auth", "--db", db])
    assert r.exit_code == 2 and "--allowed-host" in r.output
    r = runner.invoke(cli, ["serve", "--host", "0.0.0.0", "--auth", "--allowed-host", "x.org", "--db", db])
    assert r.exit_code == 1 and "no enabled admin" in r.output


def test_host_allowlist(tmp_path: Path) -> None:
    from painregen.cli.serve_cmd import host_patterns

    hosts = host_patterns(["localhost", "127.0.0.1", "::1"])
    assert "[::1]" in hosts
    with TestClient(create_app(tmp_path / "h.db", allowed_hosts=hosts), base_url="http://[::1]:8000") as c:
        assert c.get("/api").status_code == 200
        assert c.get("/api", headers={"host": "evil.example"}).status_code == 400


def test_whoami_never_redirects_off_site(tmp_path: Path) -> None:
    with TestClient(create_app(tmp_path / "w.db")) as c:
        token = _token(c)
        for target, expected in (("//evil.example/x", "/"), ("/\\evil.example", "/"), ("https://evil.example", "/"),
                                 ("/mapping", "/mapping")):
            r = c.post("/whoami", data={"reviewer": "Ann", "next": target, "csrf_token": token},
                       follow_redirects=False)
            assert r.status_code == 303 and r.headers["location"] == expected, target
        assert 'name="next" value="/ledger"' in c.get("/whoami", params={"next": "/ledger"}).text
