"""Migration events on the message bus: emitting them and waiting for them."""
