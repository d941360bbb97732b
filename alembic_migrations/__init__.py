"""Migration chains of the services dbmanage knows, with one shared env.py."""
