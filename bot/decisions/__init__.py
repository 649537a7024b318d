"""Decision records: building, writing and hashing them (format: docs/decision-records.md)."""
