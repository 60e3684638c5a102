"""Streaming exports of a board's history: ActionableAgile CSV, card NDJSON, event CSV."""
