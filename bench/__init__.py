"""`make bench`: same-run baselines for the request path, the write path and recurrence expansion."""
