"""One user's permission decisions within one computation.

Rules read data only through this context (which reads through the engine's recording
:class:`~domain.reader.Reader`, so every read becomes a dependency) and ask it for other
decisions. Decisions are memoized per ``(collection, mode, id)`` and meeting permissions per
meeting, so a request evaluates each decision once. After :meth:`RestrictContext.enable_explain`
the context also keeps, for every decision, the rule that made it and the keys it read.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from domain.reader import Reader
from domain.restrict.memo import HAS, IN_GROUPS, IS_ADMIN, PERMS, DecisionMemo, Inherited, answer, note
from domain.restrict.memo import DecisionKey as DecisionKey
from domain.restrict.permission import ADMIN, NOTHING, OML_RANK, UNKNOWN_OML_RANK, Permission, oml_at_least

log = logging.getLogger("autoupdate.restrict")

Rule = Callable[["RestrictContext", int], bool]
NOBODY = -1
"""An identity no fact can mention (no user has a negative id)."""


class Inconsistent(Exception):
    """The data breaks the data model (a required field is empty, a relation points nowhere).

    The object concerned is treated as invisible and a warning is logged (spec R2).
    """


@dataclass
class Decision:
    """Why ``collection/id`` is (not) visible in ``mode``: the rule, its reads, nested decisions."""

    collection: str
    mode: str
    id: int
    rule: str
    visible: bool = False
    reads: list[str] = field(default_factory=list)
    because: list[Decision] = field(default_factory=list)
    note: str = ""

    def render(self, indent: int = 0) -> str:
        pad = "  " * indent
        verdict = "visible" if self.visible else "NOT visible"
        lines = [f"{pad}{self.collection}/{self.id} mode {self.mode}: {verdict} by {self.rule}"]
        if self.note:
            lines.append(f"{pad}  note: {self.note}")
        if self.reads:
            lines.append(f"{pad}  read: {', '.join(self.reads)}")
        lines.extend(child.render(indent + 1) for child in self.because)
        return "\n".join(lines)


class RestrictContext:
    def __init__(
        self,
        reader: Reader,
        user_id: int,
        rules: dict[tuple[str, str], Rule],
        *,
        viewer: int | None = None,
        memo: DecisionMemo | None = None,
        inherited: Inherited | None = None,
    ):
        """``viewer``: whom identity facts compare with, if not ``user_id`` (the user whose
        permission profile is read); ``NOBODY`` decides for a user of the same profile whom no
        fact mentions. ``memo``: decisions of earlier computations to reuse; this computation
        adds its own to it, each with what it read (``domain.restrict.memo``). ``inherited``:
        decisions of another user of the same profile that hold for this one too, but for
        those to decide again."""
        self.reader = reader
        self._uid = user_id
        self._me = user_id if viewer is None else viewer
        self._rules = rules
        self.memo = memo if memo is not None else DecisionMemo()
        """The one owner of this computation's decisions and what they depend on."""
        self.inherited = inherited if inherited is not None else Inherited({}, set())
        self.recording = memo is not None
        """Record per decision what it read and used (only worth it when the memo is kept)."""
        self._scope: list[DecisionKey] = []
        """The decisions (and meeting permissions) being evaluated, innermost last."""
        self._stack: list[tuple[str, str, int]] = []
        self._tainted: set[tuple[str, str, int]] = set()
        self.warnings: dict[str, None] = {}
        self._explain = False
        self._frames: list[Decision] = []
        self.decisions: dict[tuple[str, str, int], Decision] = {}
        self._asked: dict[int, Asked] = {}

    # -- who asks ----------------------------------------------------------------------------
    # Rules see the request user's identity only through these, so that every decision knows
    # which identities it compared with; a decision that compared only with other users holds
    # for every user of the same permission profile (see ``domain.restrict.profile``).

    @property
    def user_id(self) -> int:
        """The request user's id, for uses that cannot be expressed as a fact."""
        self.memo.opaque.update(self._stack)
        return self._uid

    @property
    def logged_in(self) -> bool:
        """Not public access (part of the permission profile)."""
        return self._uid != 0

    def is_me(self, user_id: int) -> bool:
        """Whether ``user_id`` is the request user."""
        for key in self._stack:
            self.memo.facts.setdefault(key, set()).add(user_id)
        return user_id == self._me and user_id != 0

    def me_among(self, user_ids: Iterable[int]) -> bool:
        """Whether the request user is one of ``user_ids``."""
        ids = frozenset(user_ids)
        for key in self._stack:
            self.memo.list_facts.setdefault(key, []).append(ids)
        return self._me != 0 and self._me in ids

    def enable_explain(self) -> None:
        """Record every decision from now on (for :func:`domain.api.explain`)."""
        self._explain = True

    # -- reading -----------------------------------------------------------------------------

    def get(self, collection: str, id: int, field: str) -> Any:
        key = f"{collection}/{id}/{field}"
        if self._frames:
            self._frames[-1].reads.append(key)
        if self.recording:
            if self._scope:
                note(self.memo.readers, key, self._scope[-1])
            else:
                self.memo.unscoped.add(key)
        return self.reader.get(key)

    def _used(self, node: DecisionKey) -> None:
        """The decision being evaluated uses ``node``'s result."""
        if self._scope:
            note(self.memo.used_by, node, self._scope[-1])

    def ids(self, collection: str, id: int, field: str) -> list[int]:
        """A list of ids (relation list or ``number[]``); empty when unset."""
        value = self.get(collection, id, field)
        if value is None:
            return []
        if not isinstance(value, list) or not all(type(v) is int for v in value):
            raise Inconsistent(f"{collection}/{id}/{field} is not a list of ids: {value!r}")
        return value

    def id(self, collection: str, id: int, field: str) -> int:
        """A single id; 0 when unset."""
        value = self.get(collection, id, field)
        if value is None:
            return 0
        if type(value) is not int:
            raise Inconsistent(f"{collection}/{id}/{field} is not an id: {value!r}")
        return value

    def required(self, collection: str, id: int, field: str) -> Any:
        value = self.get(collection, id, field)
        if value is None:
            raise Inconsistent(f"{collection}/{id}/{field} is required but empty")
        return value

    def required_id(self, collection: str, id: int, field: str) -> int:
        value = self.required(collection, id, field)
        if type(value) is not int or value <= 0:
            raise Inconsistent(f"{collection}/{id}/{field} is not an id: {value!r}")
        return value

    def target(self, collection: str, id: int, field: str, target: str = "", *, required: bool = True) -> int:
        """The id in the relation ``field`` of ``collection/id``, whose target object (in
        ``target``, by default the field's name without ``_id``) must exist, else the data is
        inconsistent (upstream raises). Unless ``required``, the relation may be unset: 0."""
        value = self.required_id(collection, id, field) if required else self.id(collection, id, field)
        if value:
            target = target or field.removesuffix("_id")
            if not self.exists(target, value):
                raise Inconsistent(f"{collection}/{id}/{field} points to missing {target}/{value}")
        return value

    def flag(self, collection: str, id: int, field: str) -> bool:
        """A boolean field (unset = false). Any other value is inconsistent data: reading it as
        truthy could open a public meeting, reading it as falsy could ignore a lock."""
        value = self.get(collection, id, field)
        if value is None:
            return False
        if not isinstance(value, bool):
            raise Inconsistent(f"{collection}/{id}/{field} is not a boolean: {value!r}")
        return value

    def strings(self, collection: str, id: int, field: str) -> list[str]:
        """A list of strings; empty when unset."""
        value = self.get(collection, id, field)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise Inconsistent(f"{collection}/{id}/{field} is not a list of strings: {value!r}")
        return value

    def exists(self, collection: str, id: int) -> bool:
        return self.get(collection, id, "id") is not None

    def meeting_of(self, collection: str, id: int) -> int:
        """The meeting of an object that must have one."""
        return self.required_id(collection, id, "meeting_id")

    # -- decisions ---------------------------------------------------------------------------

    def visible(self, collection: str, mode: str, id: int) -> bool:
        """Whether the user may see the fields of ``mode`` of ``collection/id``."""
        key = (collection, mode, id)
        if self.recording:
            self._used(key)
        known = self.memo.decisions.get(key)
        if known is None and key not in self.inherited.redecide:
            known = self.inherited.decisions.get(key)
        if known is not None:
            if self._stack:
                self._inherit(key)
            if self._frames and key in self.decisions:
                self._frames[-1].because.append(self.decisions[key])
            return known
        if key in self._stack:
            # A cycle: the outer evaluation of ``key`` decides. Everything evaluated since
            # then assumed "not visible" for it, so none of that may be memoized (spec R5).
            self._tainted.update(self._stack[self._stack.index(key) + 1 :])
            return False
        rule = self._rules.get((collection, mode))
        frame = Decision(collection, mode, id, _rule_name(rule))
        if self._explain:
            if self._frames:
                self._frames[-1].because.append(frame)
            self._frames.append(frame)
        self._stack.append(key)
        self._scope.append(key)
        try:
            frame.visible = self._decide(rule, collection, id, frame)
        finally:
            self._stack.pop()
            self._scope.pop()
            if self._explain:
                self._frames.pop()
        self.memo.fresh.append(key)
        if key in self._tainted:
            self._tainted.discard(key)
        else:
            self.memo.decisions[key] = frame.visible
            if self._explain:
                self.decisions[key] = frame
        return frame.visible

    def _inherit(self, key: DecisionKey) -> None:
        """A decision that uses another's result depends on what that one depended on."""
        memo = self.memo
        users = memo.facts.get(key)
        if users:
            for outer in self._stack:
                memo.facts.setdefault(outer, set()).update(users)
        lists = memo.list_facts.get(key)
        if lists:
            for outer in self._stack:
                memo.list_facts.setdefault(outer, []).extend(lists)
        if key in memo.opaque:
            memo.opaque.update(self._stack)

    def any_visible(self, collection: str, mode: str, ids: Iterable[int]) -> bool:
        return any(self.visible(collection, mode, id) for id in ids)

    def _decide(self, rule: Rule | None, collection: str, id: int, frame: Decision) -> bool:
        if rule is None:
            frame.note = "no rule for this collection and mode: fail closed"
            return False
        if id <= 0 or not self.exists(collection, id):
            frame.note = "the object does not exist"
            return False
        try:
            return rule(self, id)
        except Inconsistent as error:
            self.warnings[f"{collection}/{id}: {error}"] = None
            frame.note = f"inconsistent data: {error}"
            return False

    # -- the permission model ----------------------------------------------------------------

    def oml(self, level: str) -> bool:
        """Whether the user has organization management level ``level`` or higher."""
        if self._uid == 0:
            return False
        return oml_at_least(self.get("user", self._uid, "organization_management_level"), level)

    def managed_committees(self) -> set[int]:
        """Committees the user manages, directly or through an ancestor."""
        if self._uid == 0:
            return set()
        managed = set(self.ids("user", self._uid, "committee_management_ids"))
        for committee_id in list(managed):
            managed.update(self.ids("committee", committee_id, "all_child_ids"))
        return managed

    def perms(self, meeting_id: int) -> Asked:
        """The user's permissions in a meeting (spec restrict §3.3), once per computation; the
        decision asking depends on each question it asks (``domain.restrict.memo``)."""
        asked = self._asked.get(meeting_id)
        if asked is None:
            try:
                permission = self._permission(meeting_id)
            except Inconsistent:  # the decision depends on the permissions being computable
                self.asked(("meeting", PERMS, meeting_id))
                raise
            asked = self._asked[meeting_id] = Asked(self, meeting_id, permission)
        return asked

    def perms_of(self, collection: str, id: int) -> Asked:
        """The user's permissions in the meeting of ``collection/id`` (which must have one)."""
        return self.perms(self.meeting_of(collection, id))

    def asked(self, question: DecisionKey) -> None:
        """The decision being evaluated depends on the answer to ``question``."""
        if self.recording and self._scope:
            note(self.memo.used_by, question, self._scope[-1])

    def recheck(self, before: Mapping[int, Permission]) -> set[DecisionKey]:
        """Compute the permissions of the meetings in ``before`` (their old values) again and
        forget the questions whose answer changed, with the decisions that asked them; return
        those."""
        memo = self.memo
        gone: set[DecisionKey] = set()
        for meeting_id, old in before.items():
            self._asked.pop(meeting_id, None)
            questions = list(memo.questions(meeting_id))
            try:
                new = self._permission(meeting_id)
            except Inconsistent:
                gone |= memo.forget(questions)
                continue
            gone |= memo.forget(q for q in questions if answer(old, q) != answer(new, q))
        return gone

    def _permission(self, meeting_id: int) -> Permission:
        permission = self.memo.perms.get(meeting_id)
        if permission is None:
            self._scope.append(("meeting", PERMS, meeting_id))
            try:
                permission = self.memo.perms[meeting_id] = self._meeting_permission(meeting_id)
            finally:
                self._scope.pop()
        return permission

    def _meeting_permission(self, meeting_id: int) -> Permission:
        if not self.exists("meeting", meeting_id):
            raise Inconsistent(f"meeting/{meeting_id} does not exist")
        if self._uid == 0:
            return self._public_access(meeting_id)
        if not self.flag("meeting", meeting_id, "locked_from_inside"):
            if self.oml("can_manage_organization"):
                return ADMIN
            committee_id = self.id("meeting", meeting_id, "committee_id")
            if committee_id and committee_id in self.managed_committees():
                return ADMIN
        member, locked_out, group_ids = self.membership(meeting_id)
        if not member or locked_out:
            return NOTHING
        admin_group = self.id("meeting", meeting_id, "admin_group_id")
        if admin_group and admin_group in group_ids:
            return ADMIN
        permissions = [p for g in group_ids for p in self.strings("group", g, "permissions")]
        return Permission(group_ids, permissions)

    def _public_access(self, meeting_id: int) -> Permission:
        public = self.flag("organization", 1, "enable_anonymous") and self.flag(
            "meeting", meeting_id, "enable_anonymous"
        )
        if not public:
            return NOTHING
        group = self.id("meeting", meeting_id, "anonymous_group_id")
        if not group:
            raise Inconsistent(f"meeting/{meeting_id} has public access but no anonymous_group_id")
        return Permission([group], self.strings("group", group, "permissions"))

    def meeting_user(self, meeting_id: int, user_id: int) -> int:
        """The meeting_user of ``user_id`` in a meeting, 0 if not a member."""
        if user_id == 0:
            return 0
        for meeting_user in self.ids("user", user_id, "meeting_user_ids"):
            if self.get("meeting_user", meeting_user, "meeting_id") == meeting_id:
                return meeting_user
        return 0

    def membership(self, meeting_id: int) -> tuple[bool, bool, list[int]]:
        """The request user's membership in a meeting: ``(member, locked_out, group_ids)``
        (part of the permission profile)."""
        meeting_user = self.meeting_user(meeting_id, self._uid)
        if not meeting_user:
            return False, False, []
        locked_out = self.flag("meeting_user", meeting_user, "locked_out")
        return True, locked_out, self.ids("meeting_user", meeting_user, "group_ids")

    def oml_rank_of(self, user_id: int) -> int:
        """The rank of a user's organization management level (unset: 0; unknown strings rank
        above superadmin, as upstream)."""
        level = self.get("user", user_id, "organization_management_level")
        if level is None:
            return 0
        if not isinstance(level, str):
            raise Inconsistent(f"user/{user_id}/organization_management_level is not a string: {level!r}")
        return OML_RANK.get(level, UNKNOWN_OML_RANK)

    def oml_rank(self) -> int:
        """The request user's rank (part of the permission profile)."""
        return self.oml_rank_of(self._uid)

    def admin_anywhere(self) -> bool:
        """Organization manager, manager of any committee, or in the admin group of any meeting
        (upstream ``isAdminInAnyMeetingOrCommitteeAdmin``; locks are ignored, as upstream does).
        Part of the permission profile."""
        if self._uid == 0:
            return False
        if self.oml("can_manage_organization") or self.ids("user", self._uid, "committee_management_ids"):
            return True
        return any(
            self.id("group", group, "admin_group_for_meeting_id")
            for meeting_user in self.ids("user", self._uid, "meeting_user_ids")
            for group in self.ids("meeting_user", meeting_user, "group_ids")
        )

    def report(self) -> None:
        """Log each inconsistency once; called when the computation saw a complete state."""
        for warning in self.warnings:
            log.warning("inconsistent data, treated as not visible: %s", warning)


class Asked:
    """The user's permissions in one meeting as rules see them: each question a rule asks is
    recorded as a dependency of the decision asking it (``RestrictContext.asked``)."""

    __slots__ = ("_context", "_meeting", "_nodes", "_permission")

    def __init__(self, context: RestrictContext, meeting_id: int, permission: Permission) -> None:
        self._context = context
        self._meeting = meeting_id
        self._permission = permission
        self._nodes: dict[str, DecisionKey] = {}

    def has(self, *permissions: str) -> bool:
        """Whether any of ``permissions`` is granted."""
        for name in permissions:
            self._ask(HAS + name)
            if self._permission.has(name):
                return True
        return False

    def in_group(self, group_ids: Iterable[int]) -> bool:
        """Whether the user is in one of ``group_ids`` (admins are in every group)."""
        self._ask(IN_GROUPS)
        return self._permission.in_group(group_ids)

    @property
    def is_admin(self) -> bool:
        self._ask(IS_ADMIN)
        return self._permission.is_admin

    def _ask(self, mode: str) -> None:
        node = self._nodes.get(mode)
        if node is None:
            node = self._nodes[mode] = ("meeting", mode, self._meeting)
            if self._context.recording:  # forgetting the permissions forgets the question
                note(self._context.memo.used_by, ("meeting", PERMS, self._meeting), node)
        self._context.asked(node)

    def __repr__(self) -> str:
        return repr(self._permission)


def _rule_name(rule: Rule | None) -> str:
    if rule is None:
        return "fail-closed"
    module = rule.__module__.rsplit(".", 1)[-1]
    return f"{module}.{rule.__name__}"
