"""Run the test suite; pytest's "no tests collected" (exit code 5) is reported as a failure."""

import sys

import pytest

code = pytest.main(sys.argv[1:] or ["-q"])
if code == pytest.ExitCode.NO_TESTS_COLLECTED:
    print("run_pytest: no tests were collected — check the test paths", file=sys.stderr)
    sys.exit(1)
sys.exit(int(code))
