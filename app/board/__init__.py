"""Boards, columns, lanes, memberships and cards, with enforced WIP limits."""
