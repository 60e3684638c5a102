"""Cross-cutting infrastructure: settings, database runners, errors and ids."""
