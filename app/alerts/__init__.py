"""Stalled-work and SLA alerts: a scheduled, set-based scan that raises and resolves them."""
