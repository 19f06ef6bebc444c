"""The domain: pure functions and values, no I/O (enforced by tests/test_architecture.py)."""
