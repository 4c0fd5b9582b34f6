"""The analysis engine: any map in, any analysis out (filled in by the engine issue)."""

__all__: list[str] = []
