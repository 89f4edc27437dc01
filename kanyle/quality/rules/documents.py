"""Rules for procedures, risks and supervision visits (INJ-V1, INJ-V2, INJ-V3, INJ-O3)."""

__all__: list[str] = []
