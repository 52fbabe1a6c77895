"""Fix builders, one module per rule family. A rule names its fixer in its definition (``define_rule(...,
fixer=...)``); fixers never name rules.

A fixer gets the check's Context, the reported node and the report's ``data`` and returns a PendingFix (or None
when no fix is certain). Keeping them apart from the checks lets a rule and its fix evolve separately.
"""
