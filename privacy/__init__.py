"""Personal data: what partners see of it, how long it is kept (retention), and erasure and access on request."""
