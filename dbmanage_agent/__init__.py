"""dbmanage core: the operations every command ends in, in-process or over RPC."""
