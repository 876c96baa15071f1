"""`painregen serve`: run the web workbench on a registry."""

from __future__ import annotations

import ipaddress

import typer

LOOPBACK_NAMES = ("localhost", "127.0.0.1")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve_command(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (default: this machine only)."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    db: str = typer.Option("painregen.db", "--db", help="Registry: a SQLite path or a database URL."),
) -> None:
    """Open the web workbench: upload, browse, appraise, analyse, download the report."""
    import uvicorn

    from painregen.web.app import create_app

    # On a loopback address only loopback host names are served: a page elsewhere cannot reach the
    # workbench through a DNS name that it re-points at this machine (DNS rebinding).
    allowed = [*LOOPBACK_NAMES, host] if is_loopback(host) else None
    app = create_app(db=db, allowed_hosts=allowed)
    typer.echo(f"painregen workbench on http://{host}:{port}/ (registry: {db}); press Ctrl+C to stop")
    uvicorn.run(app, host=host, port=port, log_level="warning")
