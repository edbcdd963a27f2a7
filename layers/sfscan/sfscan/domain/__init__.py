"""Values shared by every layer: findings, statuses, severities, snapshot, settings."""
