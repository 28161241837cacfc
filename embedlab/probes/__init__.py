"""Probes: questions asked of a Space (neighbours, analogies, bias, projections, ...)."""
