"""Tiny specs and oracles shared by the tests (production code holds no test oracle)."""
