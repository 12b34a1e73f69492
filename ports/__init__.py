"""The interfaces (``typing.Protocol``) the domain needs from the outside world.

Production implementations live in ``adapters``, offline ones in ``simulator``.
"""
