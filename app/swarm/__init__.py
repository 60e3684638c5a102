"""Swarming instead of escalation: swarm requests, skill matching, invitations, credit."""
