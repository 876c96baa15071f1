"""Accounts, roles and the audit log of a shared registry (revision 0004).

``users``: people who sign in to the workbench (a name, a password hash, disabled or not). ``memberships``:
a user's role in a project (``project_id`` NULL: in every project): admin, reviewer, extractor or viewer.
``audit_log``: one row per change (who, when, what, the values before and after); it is append-only (database
triggers refuse updates and deletes).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from painregen.registry.schema import SHORT, Base

__all__ = ["ROLES", "AuditRow", "MembershipRow", "UserRow"]

#: roles from least to most rights
ROLES = ("viewer", "extractor", "reviewer", "admin")


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(Text)
    disabled: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    session_version: Mapped[int] = mapped_column(Integer)  # raised to sign every session of the user out


class MembershipRow(Base):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "project_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"))
    role: Mapped[str] = mapped_column(SHORT)


class AuditRow(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(SHORT)  # insert, update, delete, import, login, ...
    target: Mapped[str] = mapped_column(Text)  # table:id, or what the action was about
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
