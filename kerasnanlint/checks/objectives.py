"""Objective and tuner-configuration rules (KNL3xx)."""

from __future__ import annotations
