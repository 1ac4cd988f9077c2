"""OcciReflex: portal empresarial en Reflex."""
