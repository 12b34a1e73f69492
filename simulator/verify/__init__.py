"""The stream-consistency checker: open streams, folded, always equal a fresh computation.

Random requests over the whole data model, random users of every kind connected together and
random schema-consistent writes, weighted towards what decides visibility, are replayed on the
real engine; after every write batch each stream's folded state is compared with a computation
from scratch for its user. A failure is shrunk to a minimal case that replays on its own
(``python -m simulator verify --replay case.json``).
"""
