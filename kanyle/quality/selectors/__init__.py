"""Reads for the internal-control pages, one module per area."""
