"""Production implementations of the ports, and the HTTP server."""
