"""The <service>-db-manage console programs."""
