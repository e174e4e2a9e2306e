"""dmer-tips: gentle desktop reminders for parents living with D-MER."""

__version__ = "0.1.0"
PROGRAM = "dmer-tips"  # the command, and the name of its folders
