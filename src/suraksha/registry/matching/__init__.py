"""The registry's matching engine: names, records, encoding, blocking, comparison, linkage and its reasons.

It imports numpy, the standard library, suraksha.core and suraksha.places.model, and nothing else of the
registry (an import contract in pyproject.toml checks it); the registry uses it, never the other way round.
"""
