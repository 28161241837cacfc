"""Trainers: one module per model family, each with a config dataclass."""
