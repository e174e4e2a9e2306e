"""Scheduling: which reminder is due when, which tip it shows, and the progress kept across restarts."""
