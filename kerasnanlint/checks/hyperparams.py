"""Hyperparameter-range rules (KNL4xx)."""

from __future__ import annotations
