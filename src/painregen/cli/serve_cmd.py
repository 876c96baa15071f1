"""`painregen serve`: run the web workbench on a registry.

On this machine only (a loopback address) the workbench runs without accounts. On any other address it is
shared, so it refuses to start without ``--auth`` (accounts, roles, audit log) and without ``--allowed-host``
(the host names clients use: a Host allowlist against DNS rebinding and host-header tricks).
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from pathlib import Path
from typing import Any

import typer

from painregen.cli.common import EXIT_USAGE, fail

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1", "[::1]")
ENV = {"db": "PAINREGEN_DB", "auth": "PAINREGEN_AUTH", "hosts": "PAINREGEN_ALLOWED_HOSTS",
       "secret": "PAINREGEN_SECRET", "work_dir": "PAINREGEN_WORK_DIR"}


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def host_patterns(names: list[str]) -> list[str]:
    """Host header values to allow for ``names`` (IPv6 literals appear in brackets in the Host header)."""
    out: list[str] = []
    for name in names:
        bare = name.strip("[]")
        try:
            out.extend([bare, f"[{bare}]"] if ipaddress.ip_address(bare).version == 6 else [bare])
        except ValueError:
            out.append(name.lower())
    return list(dict.fromkeys(out))


def secret_for(db: str, secret_file: Path | None) -> bytes:
    """The key that signs cookies, stable across restarts and workers: $PAINREGEN_SECRET, else a file (given, or
    ``<db>.secret`` beside a SQLite registry, or in ~/.config/painregen for a database URL), created (mode 600)
    with a random key when missing."""
    if os.environ.get(ENV["secret"]):
        return os.environ[ENV["secret"]].encode()
    if secret_file is None:
        if "://" in db:
            import hashlib

            name = hashlib.sha256(db.encode()).hexdigest()[:16]
            secret_file = Path.home() / ".config" / "painregen" / f"secret-{name}"
        else:
            secret_file = Path(db).expanduser().with_name(Path(db).name + ".secret")
    if not secret_file.exists():
        secret_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(secret_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return secret_file.read_text().strip().encode()


def serve_command(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (default: this machine only)."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    db: str = typer.Option("painregen.db", "--db", help="Registry: a SQLite path or a database URL."),
    auth: bool = typer.Option(False, "--auth", help="Accounts: every request signed in, roles checked, changes "
                              "audited (required on any address other than this machine's)."),
    allowed_host: list[str] = typer.Option([], "--allowed-host", help="A host name clients use to reach the "
                                           "server (repeatable; required on a non-loopback address)."),
    workers: int = typer.Option(1, "--workers", min=1, help="Server processes (they share the registry)."),
    secret_file: Path | None = typer.Option(None, "--secret-file", help="File with the key that signs cookies "
                                            "(default: beside a SQLite registry; $PAINREGEN_SECRET wins)."),
    work_dir: Path | None = typer.Option(None, "--work-dir", help="Where background jobs keep their results "
                                         "(default: beside a SQLite registry)."),
) -> None:
    """Open the web workbench: upload, map, browse, appraise, analyse, review, download the report."""
    import uvicorn

    loopback = is_loopback(host)
    if not loopback and not auth:
        fail(f"{host} is reachable from other machines: start with --auth (accounts and roles; add an admin with "
             f"`painregen user add NAME --role admin --db {db}`), or serve on 127.0.0.1", EXIT_USAGE)
    if not loopback and not allowed_host:
        fail(f"give the host name(s) clients will use with --allowed-host (e.g. --allowed-host "
             f"painregen.example.org); {host} alone accepts any Host header", EXIT_USAGE)
    # On a loopback address only loopback host names are served: a page elsewhere cannot reach the
    # workbench through a DNS name that it re-points at this machine (DNS rebinding).
    allowed = host_patterns([*LOOPBACK_NAMES, host, *allowed_host] if loopback else allowed_host)
    secret = secret_for(db, secret_file)
    from painregen.registry import RegistryError
    from painregen.web.app import create_app

    try:  # opens (and upgrades) the registry once, before any worker starts
        app = create_app(db, secret=secret, allowed_hosts=allowed, work_dir=work_dir, auth=auth)
    except RegistryError as exc:
        fail(str(exc))
    from painregen.web.config import db_label

    shown = f"[{host}]" if ":" in host else host
    typer.echo(f"painregen workbench on http://{shown}:{port}/ (registry: {db_label(db)}; "
               f"{'accounts on' if auth else 'single user, no accounts'}); press Ctrl+C to stop")
    options: dict[str, Any] = {"host": host, "port": port, "log_level": "warning", "timeout_keep_alive": 5,
               "http": "painregen.web.protocol:GuardedH11Protocol", "proxy_headers": True,
               "forwarded_allow_ips": "127.0.0.1"}
    if workers > 1:  # each worker process builds its own app from the environment (app_from_env)
        app.state.registry.close()
        os.environ.update({ENV["db"]: db, ENV["auth"]: "1" if auth else "", ENV["hosts"]: ",".join(allowed),
                           ENV["secret"]: secret.decode(), ENV["work_dir"]: str(work_dir or "")})
        # a worker opens the registry before it answers uvicorn's health check: give it time on a busy machine
        uvicorn.run("painregen.web.app:app_from_env", factory=True, workers=workers, timeout_worker_healthcheck=60,
                    **options)
    else:
        uvicorn.run(app, **options)
