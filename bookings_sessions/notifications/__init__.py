"""Delivering participant notifications: the dispatcher and the signed webhook it posts to."""
