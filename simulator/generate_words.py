"""Small fixed word lists and text helpers for the meeting generator.

Why: names and texts must look like a real assembly (so payload sizes are realistic) yet come
only from the seeded random generator, never from external data, so a seed always gives the
same meeting.
"""

from __future__ import annotations

from random import Random


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


BASE_TIMESTAMP = 1_700_000_000
"""A fixed "now" (2023-11-14): generated timestamps never depend on the clock."""

FIRST_NAMES = _words(
    "Ada Alan Alice Amira Anna Ben Bruno Carla Chen Clara David Dilan Elena Emil Eva Farid Fatima "
    "Felix Finn Greta Hanna Hugo Ida Igor Ines Jakob Jana Jonas Julia Kai Karla Lara Leon Lina Luca "
    "Maja Marek Marta Max Mia Mila Nadia Noah Nora Olga Oskar Paul Petra Rosa Sami Sara Sofia Tarek "
    "Theo Ulla Vera Yusuf Zoe"
)

LAST_NAMES = _words(
    "Adler Bauer Becker Berg Brandt Braun Dietrich Engel Fischer Frank Fuchs Graf Hahn Hartmann "
    "Herrmann Hoffmann Huber Jung Kaiser Keller Klein Koch Konrad Kraus Krause Lang Lehmann Lorenz "
    "Ludwig Maier Meyer Moser Nowak Otto Peters Pohl Richter Roth Sauer Schmidt Schmitt Schneider "
    "Schulz Schwarz Sommer Stein Thomas Vogel Voigt Wagner Walter Weber Weiss Werner Winter Wolf "
    "Yilmaz Zimmer"
)

TITLES = ("Dr.", "Prof.", "Prof. Dr.")
PRONOUNS = ("she/her", "he/him", "they/them")

LOREM = _words(
    "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut "
    "labore et dolore magna aliqua enim ad minim veniam quis nostrud exercitation ullamco laboris "
    "nisi aliquip ex ea commodo consequat duis aute irure in reprehenderit voluptate velit esse "
    "cillum fugiat nulla pariatur excepteur sint occaecat cupidatat non proident sunt culpa qui "
    "officia deserunt mollit anim id est laborum"
)

MOTION_VERBS = _words(
    "Strengthen Expand Reform Fund Protect Review Simplify Modernise Secure Promote Limit Support "
    "Establish Improve Evaluate"
)
MOTION_ADJECTIVES = _words(
    "local regional public digital sustainable affordable transparent municipal social open rural "
    "urban democratic fair accessible"
)
MOTION_NOUNS = _words(
    "transport housing education healthcare energy policy budget childcare libraries participation "
    "cycling infrastructure broadband pensions research culture sports administration water_supply "
    "elections"
)

OPENING_TOPICS = (
    "Opening of the meeting",
    "Adoption of the agenda",
    "Election of the chair",
    "Report of the board",
    "Report of the treasurer",
    "Report of the auditors",
    "Discharge of the board",
    "Budget",
    "Guest speech",
)
CLOSING_TOPICS = ("Miscellaneous", "Closing of the meeting")


def frame_topic_titles(count: int) -> list[str]:
    """Titles of the agenda's own topics: opening items, working group reports, closing items."""
    closing = list(CLOSING_TOPICS) if count > len(CLOSING_TOPICS) else []
    middle = count - len(closing)
    reports = [f"Report of working group {k}" for k in range(1, max(0, middle - len(OPENING_TOPICS)) + 1)]
    return [*OPENING_TOPICS, *reports][:middle] + closing


CATEGORY_NAMES = (
    ("Statutes", "S"),
    ("Finance", "F"),
    ("Environment", "E"),
    ("Social affairs", "SO"),
    ("Education", "B"),
    ("Digital", "D"),
    ("Transport", "T"),
    ("Culture", "K"),
    ("Health", "G"),
    ("International", "I"),
)

STRUCTURE_LEVELS = ("North", "South", "East", "West", "Centre", "Islands")


def motion_title(rng: Random) -> str:
    noun = rng.choice(MOTION_NOUNS).replace("_", " ")
    return f"{rng.choice(MOTION_VERBS)} {rng.choice(MOTION_ADJECTIVES)} {noun}"


def sentence(rng: Random, words: int) -> str:
    text = " ".join(rng.choice(LOREM) for _ in range(words))
    return text[:1].upper() + text[1:] + "."


def html_paragraphs(rng: Random, count: int, words: tuple[int, int] = (20, 50)) -> str:
    """``count`` HTML paragraphs of lorem ipsum (motion texts, reasons, comments)."""
    return "\n".join(f"<p>{sentence(rng, rng.randint(*words))}</p>" for _ in range(count))


def token(rng: Random, length: int = 16) -> str:
    """A random alphanumeric token (vote user tokens, default passwords)."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(rng.choice(alphabet) for _ in range(length))


def decimal(value: float) -> str:
    """A decimal(6) value as OpenSlides stores it: ``"2.000000"``."""
    return f"{value:.6f}"
