"""The autoupdate engine and its vocabulary (see ``engine`` for the design)."""

from domain.autoupdate.engine import Autoupdate, Limits
from domain.autoupdate.message import Message
from domain.autoupdate.subscription import SlowConsumer, Subscription

__all__ = ["Autoupdate", "Limits", "Message", "SlowConsumer", "Subscription"]
