"""Shipped word lists and small data files (each module cites its source)."""
