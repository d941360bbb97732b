"""The database layer: URLs, connections, the version table and the retry policy."""
