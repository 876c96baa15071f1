"""`painregen user add|list|disable|enable|role|password`: accounts of a registry shared on a server
(`painregen serve --auth`)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import typer

from painregen.cli.common import EXIT_USAGE, console, fail, print_json

if TYPE_CHECKING:
    from painregen.registry import Registry

T = TypeVar("T")
app = typer.Typer(help="Accounts and roles for a shared workbench (painregen serve --auth).", no_args_is_help=True)
DB = typer.Option("painregen.db", "--db", help="Registry: a SQLite path or a database URL.")
ROLE_HELP = "viewer (reads), extractor (+ uploads, extraction, appraisal), reviewer (+ screening, mapping, " \
    "reconciliation) or admin (+ accounts, audit log)."


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = typer.prompt("password", hide_input=True)
    if typer.prompt("again", hide_input=True) != first:
        fail("the two passwords differ; nothing was changed", EXIT_USAGE)
    return str(first)


def _registry(db: str) -> Registry:
    from painregen.registry import RegistryError, open_registry

    try:
        return open_registry(db)
    except RegistryError as exc:
        fail(str(exc))


def _account(action: Callable[[], T]) -> T:
    from painregen.registry.accounts import AccountError

    try:
        return action()
    except AccountError as exc:
        fail(str(exc), EXIT_USAGE)


@app.command("add")
def add_command(name: str = typer.Argument(..., help="Sign-in name."),
                role: str = typer.Option("viewer", "--role", help=ROLE_HELP),
                project: str | None = typer.Option(None, "--project", help="The role holds in this project only "
                                                   "(default: every project)."),
                password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from the "
                                                    "first line of standard input (for scripts)."),
                db: str = DB) -> None:
    """Create an account (the password is asked twice, or read with --password-stdin)."""
    password = _password(password_stdin)
    with _registry(db) as reg:
        user = _account(lambda: reg.add_user(name, password, role, project))
    console.print(f"added {user.name!r} as {role}" + (f" in project {project!r}" if project else ""))


@app.command("list")
def list_command(db: str = DB, json_out: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """The accounts with their roles."""
    with _registry(db) as reg:
        users = reg.users()
    if json_out:
        print_json({"users": [u.to_dict() for u in users]})
        return
    if not users:
        console.print("no accounts (add one with `painregen user add NAME --role admin`)")
    for u in users:
        roles = ", ".join(f"{r} in {p}" if p else f"{r} (all projects)" for p, r in u.roles.items()) or "no role"
        state = " [disabled]" if u.disabled else ""
        console.print(f"{u.name}{state}: {roles}", highlight=False, markup=False)


@app.command("disable")
def disable_command(name: str = typer.Argument(...), db: str = DB) -> None:
    """Disable an account (its sessions end at once; its history stays in the audit log)."""
    with _registry(db) as reg:
        _account(lambda: reg.set_disabled(name, True))
    console.print(f"disabled {name!r}")


@app.command("enable")
def enable_command(name: str = typer.Argument(...), db: str = DB) -> None:
    """Enable a disabled account."""
    with _registry(db) as reg:
        _account(lambda: reg.set_disabled(name, False))
    console.print(f"enabled {name!r}")


@app.command("role")
def role_command(name: str = typer.Argument(...), role: str = typer.Argument(..., help=ROLE_HELP + " 'none' "
                                                                              "removes the membership."),
                 project: str | None = typer.Option(None, "--project", help="Only in this project."),
                 db: str = DB) -> None:
    """Set an account's role (in every project, or in one)."""
    with _registry(db) as reg:
        _account(lambda: reg.set_role(name, None if role == "none" else role, project))
    console.print(f"{name!r}: {role}" + (f" in project {project!r}" if project else " (all projects)"))


@app.command("password")
def password_command(name: str = typer.Argument(...), db: str = DB,
                     password_stdin: bool = typer.Option(False, "--password-stdin")) -> None:
    """Set a new password (signs out the account's sessions)."""
    password = _password(password_stdin)
    with _registry(db) as reg:
        _account(lambda: reg.set_password(name, password))
    console.print(f"new password set for {name!r}")
