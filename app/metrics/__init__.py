"""Retrospectives on real data: flow, support and swarm metrics, forecasts and exports."""
