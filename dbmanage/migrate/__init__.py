"""Migrating: Alembic runs, the journal that makes MySQL runs resumable, fresh
installs from a baseline."""
