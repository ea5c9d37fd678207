"""The name cynn is installed under.

The import name is ``cynn``; the distribution is ``cynn-nn``, because ``cynn`` on
the package index is an unrelated project: requiring or installing ``cynn`` by name
would fetch that one.
"""
DISTRIBUTION = "cynn-nn"
