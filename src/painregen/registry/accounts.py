"""User accounts and roles of a shared registry: passwords hashed with Argon2id (argon2-cffi, RFC 9106 defaults),
a role per project (``memberships``; a membership without a project holds in every project).

Roles, from least to most rights (:data:`painregen.registry.schema_accounts.ROLES`): ``viewer`` reads;
``extractor`` also uploads data, extracts and answers appraisal items; ``reviewer`` also screens, maps labels and
reconciles; ``admin`` also manages accounts and reads the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session

from painregen.registry.schema import ProjectRow
from painregen.registry.schema_accounts import ROLES, MembershipRow, UserRow

__all__ = ["MIN_PASSWORD", "ROLES", "AccountError", "User", "add_user", "authenticate", "get_user", "list_users",
           "rank", "set_disabled", "set_password", "set_role"]

MIN_PASSWORD = 10
MAX_NAME = 80
_HASHER = PasswordHasher()
# a valid hash of a random password, made on first use: verified against when the name is unknown, so that the
# time taken does not tell whether an account exists
_DUMMY: list[str] = []


class AccountError(ValueError):
    """An account operation asked for something invalid (names the problem and the fix)."""


@dataclass(frozen=True)
class User:
    id: int
    name: str
    disabled: bool
    roles: dict[str | None, str]  # project name (None: every project) -> role
    session_version: int
    created_at: datetime
    last_login_at: datetime | None

    def role(self, project: str | None = None) -> str | None:
        """The user's role in ``project`` (its own membership, else the all-projects one); None: no access."""
        if project is not None and project in self.roles:
            return self.roles[project]
        return self.roles.get(None)

    def best_role(self) -> str | None:
        """The highest role the user holds anywhere (for pages that are not about one project)."""
        return max(self.roles.values(), key=rank, default=None)

    @property
    def is_admin(self) -> bool:
        return self.roles.get(None) == "admin"

    def to_dict(self) -> dict[str, object]:
        return {"id": self.id, "name": self.name, "disabled": self.disabled,
                "roles": {p or "*": r for p, r in self.roles.items()}, "created_at": self.created_at.isoformat(),
                "last_login_at": self.last_login_at.isoformat() if self.last_login_at else None}


def rank(role: str | None) -> int:
    """0 for no role, then 1 (viewer) .. 4 (admin)."""
    return ROLES.index(role) + 1 if role in ROLES else 0


def _user(session: Session, row: UserRow) -> User:
    memberships = session.execute(select(MembershipRow.role, ProjectRow.name)
                                  .outerjoin(ProjectRow, ProjectRow.id == MembershipRow.project_id)
                                  .where(MembershipRow.user_id == row.id)).all()
    from painregen.registry.provenance import as_utc

    return User(row.id, row.name, row.disabled, {p: r for r, p in memberships}, row.session_version,
                as_utc(row.created_at), as_utc(row.last_login_at) if row.last_login_at else None)


def _row(session: Session, name: str) -> UserRow:
    row = session.scalars(select(UserRow).where(UserRow.name == name)).one_or_none()
    if row is None:
        raise AccountError(f"no account {name!r} (see `painregen user list`)")
    return row


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"a password needs at least {MIN_PASSWORD} characters")


def _project_id(session: Session, project: str | None) -> int | None:
    if project is None:
        return None
    row = session.scalars(select(ProjectRow).where(ProjectRow.name == project)).one_or_none()
    if row is None:
        raise AccountError(f"no project {project!r} (projects are created by `painregen import --project`)")
    return row.id


def add_user(session: Session, name: str, password: str, role: str = "viewer", project: str | None = None) -> User:
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME or any(ord(ch) < 32 for ch in name):
        raise AccountError(f"an account name has 1 to {MAX_NAME} printable characters")
    if session.scalars(select(UserRow.id).where(UserRow.name == name)).first() is not None:
        raise AccountError(f"the account {name!r} exists already")
    _check_password(password)
    row = UserRow(name=name, password_hash=_HASHER.hash(password), disabled=False, created_at=datetime.now(UTC),
                  session_version=1)
    session.add(row)
    session.flush()
    set_role(session, name, role, project)
    return _user(session, row)


def set_role(session: Session, name: str, role: str | None, project: str | None = None) -> User:
    """Give ``name`` the ``role`` in ``project`` (None: every project); role None removes the membership."""
    if role is not None and role not in ROLES:
        raise AccountError(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    row = _row(session, name)
    project_id = _project_id(session, project)
    member = session.scalars(select(MembershipRow).where(MembershipRow.user_id == row.id,
                                                         MembershipRow.project_id.is_(None) if project_id is None
                                                         else MembershipRow.project_id == project_id)).one_or_none()
    if role is None:
        if member is not None:
            session.delete(member)
    elif member is None:
        session.add(MembershipRow(user_id=row.id, project_id=project_id, role=role))
    else:
        member.role = role
    session.flush()
    return _user(session, row)


def set_disabled(session: Session, name: str, disabled: bool = True) -> User:
    """Disable (or enable) an account; disabling signs out every session of it."""
    row = _row(session, name)
    row.disabled = disabled
    row.session_version += 1
    session.flush()
    return _user(session, row)


def set_password(session: Session, name: str, password: str) -> User:
    row = _row(session, name)
    _check_password(password)
    row.password_hash = _HASHER.hash(password)
    row.session_version += 1
    session.flush()
    return _user(session, row)


def authenticate(session: Session, name: str, password: str) -> User | None:
    """The account when ``password`` is right and the account enabled, else None (same work either way)."""
    row = session.scalars(select(UserRow).where(UserRow.name == name)).one_or_none()
    try:
        if row is None and not _DUMMY:
            _DUMMY.append(_HASHER.hash("painregen-no-such-account"))
        _HASHER.verify(row.password_hash if row is not None else _DUMMY[0], password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if row is None or row.disabled:
        return None
    if _HASHER.check_needs_rehash(row.password_hash):
        row.password_hash = _HASHER.hash(password)
    row.last_login_at = datetime.now(UTC)
    session.flush()
    return _user(session, row)


def get_user(session: Session, user_id: int) -> User | None:
    row = session.get(UserRow, user_id)
    return None if row is None else _user(session, row)


def list_users(session: Session) -> list[User]:
    return [_user(session, r) for r in session.scalars(select(UserRow).order_by(UserRow.name))]
