"""The HTTP side: a plain ASGI application (served by Granian) and its routes."""
