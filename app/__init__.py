"""Swarmboard: a live Kanban board for customer-support teams."""

__version__ = "0.1.0"
