"""Alembic migrations for Swarmboard (shipped inside the package so installs can migrate)."""
