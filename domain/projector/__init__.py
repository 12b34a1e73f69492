"""Projector slides: the calculated field ``projection/<id>/content`` (spec projector.md).

``content.calculate`` computes one projection's content from the data it reads (through a
recording reader, so the engine knows when to compute it again); the slides and the titlers
they use register themselves in ``registry`` from the modules in ``slides/``.
"""
