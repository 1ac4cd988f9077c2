"""The HTTP side of the portal, around Reflex's websocket: the session cookie, the
security headers of every response and the gate in front of file uploads."""
