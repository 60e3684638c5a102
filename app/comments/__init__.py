"""Comments on cards: plain-text discussion with @mentions, recorded in the event log."""
