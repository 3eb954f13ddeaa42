"""Applications online: KK changes, reprints, moving out (reviewed against a working-day SLA)."""
