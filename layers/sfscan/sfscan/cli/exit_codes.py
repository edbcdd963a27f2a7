"""Exit codes of every sfscan subcommand (documented in --help, the README and
docs/reliability.md)."""

OK = 0  # scan done, nothing FAILED at or above --fail-on
VIOLATIONS = 1  # a FAILED finding at or above --fail-on
BAD_INPUT = 2  # bad input, flags, settings or snapshot (message on stderr)
INCOMPLETE = 3  # the scan could not complete (auth refused, API limit, org unreachable, timeout)
INTERNAL_ERROR = 4  # an unexpected error: a bug in sfscan (one line; traceback with --debug)
INTERRUPTED = 130  # Ctrl-C (128 + SIGINT), as shells report it
