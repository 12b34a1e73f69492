"""The read-permission rules, one module per collection (or tight family of collections).

Each module registers its rules with :func:`domain.restrict.registry.rule`; a rule is
``(context, id) -> bool`` and reads data only through the context.
"""
