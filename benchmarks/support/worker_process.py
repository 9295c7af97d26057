"""An extra desk worker for the benchmarks: ``madoguchi run`` that says when it is running.

The worker logs at the level its settings give (WARNING in the benchmarks), except that the
service's own start and stop lines (``event=desk.start``, one each, never per mail) are shown:
the benchmark waits for ``desk.start`` before its clock starts, as it does for its own desk.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.cli import main  # noqa: E402

READY = "event=desk.start"

if __name__ == "__main__":
    logging.getLogger("bot.service").setLevel(logging.INFO)
    sys.exit(main(["run"]))
