"""Plotly figure builders and table formatters (no streamlit import)."""
