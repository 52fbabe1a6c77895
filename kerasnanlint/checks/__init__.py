"""Check modules, one per rule family. Importing this package registers every rule and check."""

from kerasnanlint.checks import (  # noqa: F401
    activations,
    data,
    hyperparams,
    numerics,
    objectives,
    runtime_only,
)
