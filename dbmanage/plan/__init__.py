"""``plan``: what an upgrade will do to a live database, before it runs."""
