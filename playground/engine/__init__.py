"""The embedded engine: a Replicate-compatible `/v1` server for local models."""
