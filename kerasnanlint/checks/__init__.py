"""Check modules, one per rule family. Importing this package registers every rule and check."""

from kerasnanlint.checks import numerics  # noqa: F401
