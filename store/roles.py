"""Who may do what in a PostgreSQL book: three group roles and their grants.

- `packdesk_viewer` reads everything: lists, statements, previews, exports.
- `packdesk_clerk` also keeps the catalogue, customers, allocations, usage
  and calls, and takes payments.
- `packdesk_billing` also posts billing runs and changes the book's settings.

A person logs in with a role of their own that is a member of one group
(`packdesk roles --grant alice clerk`); the audit names that login role
(session_user, which no environment variable can change). Posted lines,
usage lines, payments and the audit log are append-only for every group: only the book's
owner holds UPDATE or DELETE on them (and their triggers refuse it anyway).
The audit rows are written by the tables' triggers, which run with the
owner's rights, so no group may write the audit log itself.

An SQLite book has no roles: its file's permissions say who may write it
(`packdesk init --group`).
"""

from __future__ import annotations

from dataclasses import dataclass

from .dialect import engine
from .errors import StoreError
from .models import database

VIEWER, CLERK, BILLING = "packdesk_viewer", "packdesk_clerk", "packdesk_billing"
#: The group of each short name, least to most.
GROUPS = {"viewer": VIEWER, "clerk": CLERK, "billing": BILLING}
#: What each group may do, for `packdesk roles` and the README.
DOES = {
    VIEWER: "reads everything: lists, statements, previews, exports",
    CLERK: "viewer + catalogue, customers, allocations, usage, calls, payments",
    BILLING: "clerk + billing runs and the book's settings",
}

#: Tables a clerk keeps (insert, update, delete).
CLERK_KEEPS = ("upstream_service", "package", "package_price", "customer", "allocation", "usage_import", "usage")
#: Tables a clerk adds to only (append-only for every group).
CLERK_ADDS = ("payment",)
#: What billing adds to only, and what it also updates.
BILLING_ADDS = ("ledger", "usage_line")
BILLING_KEEPS = ("billing_run", "setting")
#: Later tables (a newer schema) whose group is known: given as they appear.
OPTIONAL_CLERK_KEEPS = ("call", "call_import")


class RolesError(StoreError):
    """The roles can't be made or granted (not PostgreSQL, not allowed)."""


@dataclass(frozen=True)
class Access:
    """What this session's role may do in the book."""

    role: str
    may_write: bool
    may_post: bool
    groups: tuple[str, ...]

    def why_not_write(self) -> str:
        return f"your database role {self.role} may read this book but not change it (it is not a member of {CLERK} or {BILLING})"

    def why_not_post(self) -> str:
        return (
            f"your database role {self.role} may preview runs but not post them: posting takes {BILLING} "
            f"(the book's owner runs `packdesk roles --grant {self.role} billing`)"
        )


def _require_pg() -> None:
    if engine() != "postgresql":
        raise RolesError(
            "roles are for PostgreSQL books; on an SQLite book the file's permissions say who may write "
            "(see `packdesk init --group`)"
        )


def _tables() -> set[str]:
    return {t for (t,) in database.execute_sql("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()").fetchall()}


def _existing_groups() -> set[str]:
    names = list(GROUPS.values())
    rows = database.execute_sql("SELECT rolname FROM pg_roles WHERE rolname = ANY(%s)", (names,)).fetchall()
    return {r for (r,) in rows}


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def setup() -> list[str]:
    """Make the three groups (where missing) and give them exactly their
    grants on this book; the trigger functions run with the owner's rights.
    Returns what was done, a line each. Run again after an upgrade: safe."""
    _require_pg()
    done: list[str] = []
    with database.atomic():
        existing = _existing_groups()
        for group in GROUPS.values():
            if group not in existing:
                try:
                    database.execute_sql(f"CREATE ROLE {group} NOLOGIN")
                except Exception as exc:
                    raise RolesError(f"can't create role {group}: {_reason(exc)} (run `packdesk roles` as the book's owner, with CREATEROLE)") from None
                done.append(f"created role {group}")
        database.execute_sql(f"GRANT {VIEWER} TO {CLERK}")
        database.execute_sql(f"GRANT {CLERK} TO {BILLING}")
        grant_all()
    return done


def grant_all() -> None:
    """The groups' grants on every table of the book, as they should be
    (what isn't named is revoked)."""
    tables = _tables()
    schema = database.execute_sql("SELECT current_schema()").fetchone()[0]
    groups = ", ".join(GROUPS.values())
    database.execute_sql(f"GRANT USAGE ON SCHEMA {_q(schema)} TO {groups}")
    database.execute_sql(f"GRANT CONNECT ON DATABASE {_q(_database_name())} TO {groups}")
    for table in sorted(tables):
        database.execute_sql(f"REVOKE ALL ON {_q(table)} FROM {groups}")
        database.execute_sql(f"GRANT SELECT ON {_q(table)} TO {VIEWER}")
    keeps = [t for t in CLERK_KEEPS + OPTIONAL_CLERK_KEEPS if t in tables]
    for table in keeps:
        database.execute_sql(f"GRANT INSERT, UPDATE, DELETE ON {_q(table)} TO {CLERK}")
    for table in CLERK_ADDS:
        database.execute_sql(f"GRANT INSERT ON {_q(table)} TO {CLERK}")
    for table in BILLING_ADDS:
        if table in tables:
            database.execute_sql(f"GRANT INSERT ON {_q(table)} TO {BILLING}")
    for table in BILLING_KEEPS:
        database.execute_sql(f"GRANT INSERT, UPDATE ON {_q(table)} TO {BILLING}")
    database.execute_sql(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {_q(schema)} TO {CLERK}")
    # The audit and the marks are written by triggers: with the owner's rights.
    for (name,) in database.execute_sql(
        "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname = current_schema() AND p.prorettype = 'trigger'::regtype"
    ).fetchall():
        database.execute_sql(f"ALTER FUNCTION {name} SECURITY DEFINER SET search_path = {_q(schema)}, pg_temp")


def _set_up_here() -> bool:
    """The groups exist (they are the server's) and this book granted them its tables."""
    if _existing_groups() != set(GROUPS.values()):
        return False
    return bool(database.execute_sql(f"SELECT has_table_privilege('{VIEWER}', 'setting', 'SELECT')").fetchone()[0])


def regrant_if_set_up() -> None:
    """After the schema changed: the groups' grants again, where this book has them."""
    if _set_up_here():
        grant_all()


def grant(user: str, short: str) -> list[str]:
    """Make `user` a member of exactly one group (creating the login role
    when missing, without a password). Returns what was done."""
    _require_pg()
    group = GROUPS.get(short)
    if group is None:
        raise RolesError(f"{short!r} is not a group: one of {', '.join(GROUPS)}")
    if not user or not all(ch.isalnum() or ch in "_.-@" for ch in user):
        raise RolesError(f"{user!r} is not a role name packdesk grants to: letters, digits and _ . - @")
    if not _set_up_here():
        raise RolesError("this book has not granted the groups anything yet: run `packdesk roles` first")
    done: list[str] = []
    with database.atomic():
        exists = database.execute_sql("SELECT 1 FROM pg_roles WHERE rolname = %s", (user,)).fetchone()
        try:
            if not exists:
                database.execute_sql(f"CREATE ROLE {_q(user)} LOGIN")
                done.append(f"created login role {user} (no password: set one with ALTER ROLE, or use the server's authentication)")
            for other in GROUPS.values():
                if other != group and _member(user, other):
                    database.execute_sql(f"REVOKE {other} FROM {_q(user)}")
                    done.append(f"{user} left {other}")
            if not _member(user, group):
                database.execute_sql(f"GRANT {group} TO {_q(user)}")
                done.append(f"{user} joined {group}")
        except RolesError:
            raise
        except Exception as exc:
            raise RolesError(f"can't grant {group} to {user}: {_reason(exc)}") from None
    return done or [f"{user} is already in {group}"]


def _member(user: str, group: str) -> bool:
    return bool(
        database.execute_sql(
            "SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member "
            "WHERE g.rolname = %s AND u.rolname = %s",
            (group, user),
        ).fetchone()
    )


def members() -> dict[str, list[str]]:
    """The login roles directly in each group (roles are the server's: the
    same people are members for every book on it)."""
    _require_pg()
    found: dict[str, list[str]] = {g: [] for g in GROUPS.values()}
    for group, user in database.execute_sql(
        "SELECT g.rolname, u.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
        "JOIN pg_roles u ON u.oid = m.member WHERE g.rolname = ANY(%s) AND u.rolname <> ALL(%s) ORDER BY 1, 2",
        (list(GROUPS.values()), list(GROUPS.values())),
    ).fetchall():
        found[group].append(user)
    return found


def access() -> Access:
    """What this session may do: on SQLite, everything (the file's
    permissions decided at open); on PostgreSQL, what its role's grants say."""
    if engine() != "postgresql":
        return Access("", True, True, ())
    role, write, post = database.execute_sql(
        "SELECT session_user, has_table_privilege('customer', 'UPDATE'), has_table_privilege('ledger', 'INSERT')"
    ).fetchone()
    groups = tuple(
        g for (g,) in database.execute_sql(
            "SELECT rolname FROM pg_roles WHERE rolname = ANY(%s) AND pg_has_role(session_user, oid, 'MEMBER')",
            (list(GROUPS.values()),),
        ).fetchall()
    )
    return Access(role, bool(write), bool(post), groups)


def _database_name() -> str:
    return database.execute_sql("SELECT current_database()").fetchone()[0]


def _reason(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
