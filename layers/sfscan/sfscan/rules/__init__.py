"""The rules of CONTROL.md, one module each; see registry.py for the explicit list."""
