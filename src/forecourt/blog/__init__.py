"""The blog: posts with categories and tags, written by admins, read on the Live Portal."""
