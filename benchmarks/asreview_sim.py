"""Run ASReview LAB's simulation with its default model on a labelled screening set and print the screening order
as JSON. Runs in ASReview's own environment (``benchmarks/screening.py`` creates it: asreview pins pandas<3 and
rispy 0.9, which the painregen environment must not be downgraded to).

Usage: PYTHON asreview_sim.py DATASET.csv PRIOR_INDEX... > result.json
The code path is that of ``asreview simulate`` (asreview/simulation/cli.py): a top-down cycle until the model can
be fitted, then the default AI (``get_ai_config()``: ELAS u4 in ASReview 2/3), stopping at the last relevant record.
The prior records are labelled first, by row index, as ``--prior-idx`` does.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> None:
    import numpy as np
    from asreview import __version__, load_dataset
    from asreview.learner import ActiveLearningCycle
    from asreview.models.models import get_ai_config
    from asreview.models.queriers import TopDown
    from asreview.models.stoppers import IsFittable, LastRelevant
    from asreview.simulation.simulate import Simulate

    path = Path(argv[0])
    prior = [int(i) for i in argv[1:]]
    np.random.seed(0)
    config = get_ai_config()
    t0 = time.perf_counter()
    with load_dataset(path, dataset_id=path.name) as db:
        cycles = [ActiveLearningCycle(querier=TopDown(), stopper=IsFittable()),
                  ActiveLearningCycle.from_meta(config["value"])]
        sim = Simulate(db.input.get_df(), db.input["included"], cycles, stopper=LastRelevant(),
                       print_progress=False)
        sim.label(prior)
        sim.review()
        results = sim._results
        seconds = time.perf_counter() - t0
        order = [int(i) for i in results["record_id"]]
        labels = [int(v) for v in results["label"]]
    json.dump({"asreview": __version__, "model": config["name"], "label": config["label"],
               "config": repr(config["value"]), "order": order, "labels": labels, "seconds": seconds},
              sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1:])
