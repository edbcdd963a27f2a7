"""Exit codes of every sfscan subcommand (documented in --help and the README)."""

OK = 0  # scan done, nothing FAILED at or above --fail-on
VIOLATIONS = 1  # a FAILED finding at or above --fail-on
BAD_INPUT = 2  # bad input, flags, settings or snapshot (message on stderr)
INCOMPLETE = 3  # the scan could not complete (auth refused, API limit, org unreachable)
