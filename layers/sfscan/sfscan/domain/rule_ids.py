"""The rule ids of CONTROL.md: a contract shared by settings validation and the rule registry."""

RULE_IDS: tuple[str, ...] = (
    "SF-IU-01",
    "SF-IU-02",
    "SF-IU-03",
    "SF-IU-04",
    "SF-IU-05",
    "SF-IU-06",
    "SF-CA-01",
    "SF-CA-02",
    "SF-CA-03",
    "SF-CA-04",
    "SF-NET-01",
    "SF-ORG-01",
)
