"""Polls on motions, elections and topics, with options, global options, votes and results.

Why: poll, option and vote fields have the most state-dependent restriction rules (results only
when published or for managers, votes for their owner), so the generated polls cover every
state (created, started, finished, published) and the analog, named and pseudoanonymous types.

Votes mirror what a real meeting's datastore holds. A finished or published electronic poll has
its vote objects (``votes_per_poll`` of them), ``voted_ids`` and results, written by the
backend when the poll stopped; delegated votes name the proxy in ``delegated_user_id``. A
started poll has none of these: OpenSlides 4 keeps the votes of a running poll in the vote
service and writes them to the datastore only when the poll stops. Analog polls have the
results entered by hand (one weighted vote object per value) and are never started.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from random import Random

from simulator.generate_agenda import Agenda, Fqid
from simulator.generate_organization import MEETING_ID
from simulator.generate_participants import People
from simulator.generate_store import ExportBuilder
from simulator.generate_words import decimal, token

STATES = ("published", "finished", "published", "created", "published")
"""States of the polls that are not started, in turn: about half are published."""

COUNTED = ("finished", "published")


@dataclass(frozen=True)
class _PollSpec:
    content: Fqid
    title: str
    type: str
    pollmethod: str
    base: str
    options: tuple[tuple[Fqid | None, str | None], ...]
    global_votes: bool


def build_polls(
    builder: ExportBuilder,
    rng: Random,
    people: People,
    agenda: Agenda,
    motions: list[int],
    count: int,
    *,
    votes_per_poll: int,
    started: int,
) -> list[int]:
    """``count`` polls: about a sixth on elections, a sixth on topics, the rest on motions.

    ``started`` electronic polls (at most a third of them, or one) are being voted on: the
    first poll (on the motion discussed, if it is electronic) and others spread over the rest.
    """
    share = (count + 3) // 6
    n_assignment = share if agenda.assignments else 0
    n_topic = share if agenda.topics else 0
    specs = _motion_specs(rng, agenda, motions, count - n_assignment - n_topic)
    specs += [
        _assignment_spec(builder, agenda.assignments[i % len(agenda.assignments)], i)
        for i in range(n_assignment)
    ]
    specs += [_topic_spec(agenda.topics[(i * 3) % len(agenda.topics)], i) for i in range(n_topic)]
    running = _started(specs, started)
    states = itertools.cycle(STATES)
    return [
        _build_poll(
            builder, rng, people, spec, "started" if index in running else next(states), votes_per_poll
        )
        for index, spec in enumerate(specs)
    ]


def _started(specs: list[_PollSpec], count: int) -> set[int]:
    """Indexes of ``count`` electronic polls spread evenly over ``specs``, the first one first;
    at most a third of the electronic polls (or one), so small meetings keep counted ones."""
    electronic = [index for index, spec in enumerate(specs) if spec.type != "analog"]
    count = min(count, max(1, len(electronic) // 3), len(electronic))
    return {electronic[k * len(electronic) // count] for k in range(count)}


def _motion_specs(rng: Random, agenda: Agenda, motions: list[int], count: int) -> list[_PollSpec]:
    """Polls on motions; the first one on the motion currently discussed, if it is a motion.

    Motions get a second poll only when there are more motion polls than motions.
    """
    targets = [agenda.current_content[1]] if agenda.current_content[0] == "motion" else []
    others = [m for m in motions if m not in targets] or motions
    while len(targets) < count:
        targets += rng.sample(others, min(len(others), count - len(targets)))
    types = ("pseudoanonymous", "named", "analog")
    return [
        _PollSpec(
            ("motion", motion), "Vote", types[i % 3], "YNA", "YNA", ((("motion", motion), None),), False
        )
        for i, motion in enumerate(targets[:count])
    ]


def _assignment_spec(builder: ExportBuilder, assignment: int, index: int) -> _PollSpec:
    """An election ballot: one option per candidate (the candidate's user), global no/abstain."""
    candidates = builder.get("assignment", assignment).get("candidate_ids", [])
    users = [
        builder.get("meeting_user", builder.get("assignment_candidate", c)["meeting_user_id"])["user_id"]
        for c in candidates
    ]
    options = tuple((("user", user), None) for user in users)
    type_ = ("named", "pseudoanonymous")[index % 2]
    return _PollSpec(("assignment", assignment), f"Ballot {index + 1}", type_, "Y", "valid", options, True)


def _topic_spec(topic: int, index: int) -> _PollSpec:
    options = tuple((None, f"Option {letter}") for letter in "ABC")
    type_ = ("analog", "named")[index % 2]
    return _PollSpec(("topic", topic), f"Straw poll {index + 1}", type_, "Y", "valid", options, False)


def _build_poll(
    builder: ExportBuilder, rng: Random, people: People, spec: _PollSpec, state: str, votes: int
) -> int:
    fields = {
        "title": spec.title,
        "type": spec.type,
        "backend": "fast",
        "pollmethod": spec.pollmethod,
        "state": state,
        "onehundred_percent_base": spec.base,
        "global_no": spec.global_votes,
        "global_abstain": spec.global_votes,
        "sequential_number": builder.next_id("poll"),
        "is_pseudoanonymized": spec.type == "pseudoanonymous",
    }
    poll = builder.add("poll", fields)
    builder.link("poll", poll, "content_object_id", spec.content[1], spec.content[0])
    builder.link("poll", poll, "meeting_id", MEETING_ID)
    options = []
    for weight, (content, text) in enumerate(spec.options, start=1):
        option = _add_option(builder, {"weight": weight} | ({"text": text} if text else {}))
        builder.link("option", option, "poll_id", poll)
        if content:
            builder.link("option", option, "content_object_id", content[1], content[0])
        options.append(option)
    global_option = _add_option(builder, {"weight": 1})
    builder.link("option", global_option, "used_as_global_option_in_poll_id", poll)
    if spec.type != "analog":
        builder.link("poll", poll, "entitled_group_ids", people.delegate_group)
    if state in COUNTED and spec.type == "analog":
        _count_analog(builder, rng, poll, options)
    elif state in COUNTED:
        _cast_votes(builder, rng, people, poll, spec, options, global_option, votes)
    if spec.content[0] == "assignment" and state != "created":
        builder.get("assignment", spec.content[1])["phase"] = "voting" if state == "started" else "finished"
    return poll


def _add_option(builder: ExportBuilder, fields: dict[str, object]) -> int:
    zero = decimal(0)
    option = builder.add("option", {"yes": zero, "no": zero, "abstain": zero, **fields})
    builder.link("option", option, "meeting_id", MEETING_ID)
    return option


def _cast_votes(
    builder: ExportBuilder,
    rng: Random,
    people: People,
    poll: int,
    spec: _PollSpec,
    options: list[int],
    global_option: int,
    count: int,
) -> None:
    """Electronic votes of ``count`` entitled delegates (fewer only if fewer can vote), then the
    results they add up to. Present delegates vote for themselves; an absent one who delegated
    the vote is voted for by the proxy."""
    entitled = [mu for mu in people.delegates if mu in people.present or mu in people.delegated_to]
    voters = sorted(rng.sample(entitled, min(len(entitled), count)))
    for user in voters:
        if spec.pollmethod == "YNA":
            option, value = options[0], rng.choices("YNA", (6, 3, 1))[0]
        elif spec.global_votes and rng.random() < 0.1:
            option, value = global_option, rng.choice("NA")
        else:
            option, value = rng.choice(options), "Y"
        owner = (user, people.delegated_to.get(user, user)) if spec.type == "named" else None
        _add_vote(builder, rng, option, value, 1, owner)
        builder.link("poll", poll, "voted_ids", user)
    _tally(builder, poll, [*options, global_option], len(voters))


def _count_analog(builder: ExportBuilder, rng: Random, poll: int, options: list[int]) -> None:
    """Analog results are entered by hand: one vote object per value, weighted by its count."""
    for option in options:
        values = "YNA" if len(options) == 1 else "Y"
        for value in values:
            _add_vote(builder, rng, option, value, rng.randint(5, 120), None)
    _tally(builder, poll, options, None)


def _add_vote(
    builder: ExportBuilder,
    rng: Random,
    option: int,
    value: str,
    weight: int,
    owner: tuple[int, int] | None,
) -> None:
    """A vote; ``owner`` (named polls only): the user voted for and the user who cast it."""
    vote = builder.add("vote", {"value": value, "weight": decimal(weight), "user_token": token(rng)})
    builder.link("vote", vote, "option_id", option)
    builder.link("vote", vote, "meeting_id", MEETING_ID)
    if owner is not None:
        builder.link("vote", vote, "user_id", owner[0])
        builder.link("vote", vote, "delegated_user_id", owner[1])


def _tally(builder: ExportBuilder, poll: int, options: list[int], voters: int | None) -> None:
    """Option results and the poll's valid/cast counts from the stored votes."""
    key = {"Y": "yes", "N": "no", "A": "abstain"}
    for option_id in options:
        option = builder.get("option", option_id)
        sums = dict.fromkeys(key.values(), 0.0)
        for vote_id in option.get("vote_ids", []):
            vote = builder.get("vote", vote_id)
            sums[key[vote["value"]]] += float(vote["weight"])
        option.update({name: decimal(total) for name, total in sums.items()})
    if voters is None:
        voters = sum(
            int(float(builder.get("vote", v)["weight"]))
            for o in options
            for v in builder.get("option", o).get("vote_ids", [])
        )
    builder.get("poll", poll).update(
        votesvalid=decimal(voters), votesinvalid=decimal(0), votescast=decimal(voters)
    )
