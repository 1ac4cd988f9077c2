"""Pages: layout only."""
