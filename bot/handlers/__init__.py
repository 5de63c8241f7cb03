"""One module per conversation: each turns an `Update` into a core call and its result
into messages and keyboards. Each exposes `register(app)`."""
