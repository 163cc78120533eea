"""The booking rules: the one gate every write path asks before a session is written (see rules.py)."""
