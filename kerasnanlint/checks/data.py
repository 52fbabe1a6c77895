"""Data rules visible in source (KNL501, KNL502)."""

from __future__ import annotations
