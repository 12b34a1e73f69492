"""``python -m simulator bench``: the benchmark scenarios B1-B4 of ``spec/benchmarks.md``.

``driver`` is a cheap HTTP/1.1 streaming client usable against any compatible service,
``scenarios`` (B1, B4) and ``fanout`` (B2, B3) measure, ``schedule`` sends B2's writes on a
schedule, ``delivery`` attributes the streams' messages to those writes, ``queueing`` splits a
write's latency into queueing and processing, ``cores`` samples CPU for the cores used per
phase, ``measure`` holds what they share, ``writes`` builds realistic datastore writes,
``proc`` reads CPU and memory of the service from ``/proc``, ``servers`` starts local
Postgres, Redis and the service, ``report`` prints and records the figures, and ``cli`` wires
it all together.
"""
