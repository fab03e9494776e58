"""Golden result files: seeded runs of every shipped scenario, checked in, to catch any unintended change."""
