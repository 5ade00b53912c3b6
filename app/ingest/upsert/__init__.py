"""Find-or-create of portal rows for imports, keyed so that a second run of a file changes nothing.

A row is found by the source's id (`external_id`) first, then by a natural key where the
portal has one. A source that describes a row (a developers page, a decK gateway service)
updates it; one that only names it (a registration's `developer: {id, name}`) creates it when
missing and otherwise leaves it alone, reporting a name that differs.
"""
