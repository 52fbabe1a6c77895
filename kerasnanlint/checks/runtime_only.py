"""Rules only runtime-confirm can report (KNL503, KNL504): defined here so the catalogue, config and formats know them.

No check function: the values they describe exist only once the script has built its arrays.
kerasnanlint.confirm reports them at the ``search()``/``fit()`` call that received the data.
"""

from __future__ import annotations

from kerasnanlint.diagnostics import Severity
from kerasnanlint.registry import define_rule
from kerasnanlint.rule import Probe

KNL503 = define_rule(
    "KNL503",
    "data-contains-nan",
    Severity.ERROR,
    "The arrays passed to search()/fit() hold NaN or Inf values",
    runtime_only=True,
    probe=Probe("data", "NaN/Inf counts of the arrays that reach search()/fit()", "nonfinite_data"),
)


KNL504 = define_rule(
    "KNL504",
    "unscaled-inputs",
    Severity.WARNING,
    "Inputs far outside a trainable scale reach a model with no Rescaling/Normalization layer at its input",
    runtime_only=True,
    probe=Probe("data", "the largest |value| of the inputs, and the model's first layer", "input_scale"),
)
