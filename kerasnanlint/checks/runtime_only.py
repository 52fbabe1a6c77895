"""Rules only runtime-confirm can report (KNL503, KNL504): defined here so the catalogue, config and formats know them."""

from __future__ import annotations
