"""The tip bank: reading, checking and editing tips.yaml."""
