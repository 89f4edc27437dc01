"""Rules for deviations and emergency preparedness (INJ-V3, INJ-V4, INJ-V5, LAW-Q)."""

__all__: list[str] = []
