"""The sfscan command."""
