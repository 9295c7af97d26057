"""CI floor: the measured figures on corpus/dev.jsonl must not fall (targets in the issue).

Each floor sits a little below the figure measured when the model was committed (see the
README section "Measuring the classifier"), so a change that makes things worse fails here.
"""

from __future__ import annotations

import pytest

from bot.nlp.evaluate import evaluate_file
from tests.nlp.conftest import REPO, require

# Measured on dev when the model was committed (trained on the fifteen writers'
# train*.jsonl: accuracy 0.948, macro-F1 0.926, auto precision 0.984 over 61 mails, auto
# share 0.652, none precision 1.000 over 12 mails, angry recall 0.983), minus a small margin
# (one more wrong automatic answer in 61 would read 0.967).
# The share floor went down with the fourteenth and fifteenth writers (their mail, much of it
# worded around a parcel or a receipt while asking something else, raised the out-of-fold
# choice of the auto threshold from 0.67 to 0.72, then 0.86) and up again with the cues of
# shipping-change requests and polite anger (threshold 0.57). The targets are higher
# for auto precision (0.99) and share (0.70); see the README.
FLOORS = {
    "accuracy": 0.94,
    "macro_f1": 0.91,
    "auto_precision": 0.96,
    "auto_share": 0.64,
    "none_precision": 0.9,
    "angry_recall": 0.95,
}


@pytest.mark.slow
def test_dev_figures_stay_above_their_floors() -> None:
    dev = require(REPO / "corpus" / "dev.jsonl", "corpus/dev.jsonl")
    report = evaluate_file(dev)
    measured = {name: getattr(report, name) for name in FLOORS}
    low = {name: value for name, value in measured.items() if value is None or value < FLOORS[name]}
    assert not low, f"below the floor: {low} (floors {FLOORS})"
