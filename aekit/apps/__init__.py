"""Applications built on the estimators: the demo, and later codecs, search, reports."""
