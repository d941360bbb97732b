"""RPC between the CLI and the agent: client API, server, serialisation."""
