"""Reflex state classes: thin handlers that call occireflex.domain."""
