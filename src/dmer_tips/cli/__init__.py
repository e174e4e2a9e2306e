"""The `dmer-tips` command line."""
