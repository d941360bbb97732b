"""The agent that runs beside the database, and the client API that reaches it.

``rpcapi`` is the wire contract (one method per remote call, with its
version history); ``manager`` is the endpoint it reaches; ``server`` is
``dbmanage-agent``; ``local`` runs the same endpoint in the caller's process.
"""
