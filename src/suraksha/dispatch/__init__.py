"""Dispatch: units, their GPS positions, recommendation of the nearest unit, assignment and response times."""
