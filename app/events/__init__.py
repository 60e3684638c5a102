"""The board event log: the single source of truth for websockets, webhooks and metrics."""
