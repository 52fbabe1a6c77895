"""Output activation vs loss rules (KNL2xx)."""

from __future__ import annotations
