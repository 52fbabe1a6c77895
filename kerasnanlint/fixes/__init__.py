"""Fix builders, one module per rule family, registered with ``@fixer("KNLxxx")``.

A fixer gets the check's Context, the reported node and the report's ``data`` and returns a PendingFix (or None
when no fix is certain). Keeping them apart from the checks lets a rule and its fix evolve separately.
"""

from kerasnanlint.fixes import activations, hyperparams, numerics, objectives  # noqa: F401
