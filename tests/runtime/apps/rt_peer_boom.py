"""A WSGI app that always raises (for exception_handler tests)."""


def app(environ, start_response):
    raise RuntimeError("peer boom")
