"""Counting the fuzzed cases: each hypothesis run calls `fuzz_case()` once per case, and the session's summary
says how many ran (a fuzz test that silently ran nothing would prove nothing)."""

from collections import Counter

import pytest

FUZZ_CASES = pytest.StashKey[Counter]()
MIN_CASES = 5  # below this a fuzz test's strategy or settings are broken, whatever it asserted


@pytest.fixture
def fuzz_case(request):
    counts = request.config.stash.setdefault(FUZZ_CASES, Counter())
    name = request.node.nodeid.split("::", 1)[-1]

    def count() -> None:
        counts[name] += 1

    yield count
    assert counts[name] >= MIN_CASES, f"{name} ran only {counts[name]} fuzzed cases"


def pytest_terminal_summary(terminalreporter, config):
    counts = config.stash.get(FUZZ_CASES, None)
    if not counts:
        return
    terminalreporter.write_sep("-", "hypothesis fuzzing")
    for name, cases in sorted(counts.items()):
        terminalreporter.write_line(f"{cases:6d}  {name}")
    terminalreporter.write_line(f"fuzz: {sum(counts.values())} cases ran in {len(counts)} tests")
