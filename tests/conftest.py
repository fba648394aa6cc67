"""Shared fixtures live in tests/fixtures/ as plugins, one module per concern."""

pytest_plugins = [
    "tests.fixtures.audio",
    "tests.fixtures.containers",
    "tests.fixtures.emulator",
    "tests.fixtures.backend",
    "tests.fixtures.web",
    "tests.fixtures.scratch",
]
