"""The actionable-insight standard: evidence uploads, the ready-column gate and ranking."""
