"""Fitting into the desktop: starting at login, launchers and application entries."""
