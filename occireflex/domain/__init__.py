"""Business rules over a SQLModel session. Never imports reflex."""
