"""`deccp spot-check`'s sample: in each group (model × task for runs, the --group-by fields for `deccp classify`
output), N answers drawn uniformly without replacement (all of them when the group has no more), by a generator
seeded with the seed and the group's name, so one group's draw does not change when another group is added.
Uniform within the group is what the corrected rate (statistics/ppi.py) needs; the groups are the strata."""

from __future__ import annotations

import random
from collections import defaultdict
from typing import Sequence

from lm_eval_deccp.reporting.reading.labelled_answers import Answer


def draw(answers: Sequence[Answer], per_group: int, seed: int) -> list[Answer]:
    """`per_group` answers of each group at random (seeded per group), then all of them in a seeded order."""
    groups: dict[tuple[str, ...], list[Answer]] = defaultdict(list)
    for answer in answers:
        groups[answer.group].append(answer)
    chosen: list[Answer] = []
    for group in sorted(groups):
        members = sorted(groups[group], key=lambda a: a.key)
        rng = random.Random(f"{seed}\0" + "\0".join(group))
        chosen.extend(rng.sample(members, min(per_group, len(members))))
    random.Random(f"{seed}\0order").shuffle(chosen)
    return chosen
