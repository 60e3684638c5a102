"""Ticket intake from channels and bots: customers, interactions and repeat-contact links."""
