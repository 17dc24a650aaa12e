"""Campaign and duplicate influence: how much of each theme is copies, and which campaign inflates it.

A theme's `size` counts distinct submissions, its `weight` counts copies too. Copies are real people and
are kept as weight, but a theme whose weight is mostly one campaign's copies looks larger than the range
of voices in it; a reader must know. Inflation = weight / size; a theme above 1.25 (the Aequitas band's
upper edge) is marked inflated, with the campaigns behind it.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from civicai.bias.representation import group_values
from civicai.bias.runload import AuditRun
from civicai.bias.stats import BAND


@dataclass
class CampaignResult:
    themes: list[dict[str, Any]] = field(default_factory=list)
    campaigns: list[dict[str, Any]] = field(default_factory=list)
    copies_total: int = 0
    accepted_total: int = 0

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def campaign_influence(run: AuditRun, group_columns: list[str], min_group_size: int) -> CampaignResult:
    frame = run.assignments
    result = CampaignResult(accepted_total=len(frame))
    is_copy = frame["duplicate_of"].astype(str).str.strip() != ""
    result.copies_total = int(is_copy.sum())
    campaign = frame["campaign_id"].astype(str).str.strip()
    membership = frame["themes"].astype(str).str.split(";").apply(lambda ts: {t.strip() for t in ts if t.strip()})
    for theme in run.themes:
        key = str(theme.get("id"))
        in_theme = membership.apply(lambda ts, key=key: key in ts)
        rows_in = int(in_theme.sum())
        copies_in = int((in_theme & is_copy).sum())
        size = int(theme.get("size") or max(rows_in - copies_in, 0))
        weight = int(theme.get("weight") or rows_in or size)
        by_campaign = Counter(campaign[in_theme & (campaign != "")])
        top = [{"campaign_id": c, "members": n, "share_of_weight": n / weight if weight else 0.0}
               for c, n in by_campaign.most_common(3)]
        inflation = weight / size if size else None
        result.themes.append({"theme": key, "label": str(theme.get("label", key)), "size": size, "weight": weight,
                              "copies": copies_in, "inflation": inflation,
                              "inflated": bool(inflation is not None and inflation > BAND[1]), "top_campaigns": top})
    for cid, count in Counter(campaign[campaign != ""]).most_common():
        in_campaign = campaign == cid
        themes = Counter(t for ts in membership[in_campaign] for t in ts)
        entry: dict[str, Any] = {"campaign_id": cid, "members": int(count),
                                 "themes": [{"theme": t, "members": n} for t, n in themes.most_common(5)],
                                 "groups": {}}
        for column in group_columns:  # who signs campaigns: counts per group, small cells suppressed
            counts = Counter(group_values(frame[in_campaign], column))
            entry["groups"][column] = {g: (n if n >= min_group_size else None) for g, n in sorted(counts.items())}
        result.campaigns.append(entry)
    return result
