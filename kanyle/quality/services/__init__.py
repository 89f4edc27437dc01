"""Writes of the internal-control system, one module per area."""
