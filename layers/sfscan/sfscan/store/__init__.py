"""The findings store: one stable DynamoDB item per (org, rule, resource), scan history, and the
pure transition logic that decides what a scan opened or resolved."""
