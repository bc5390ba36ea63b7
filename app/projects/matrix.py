"""The likelihood-by-impact matrix of DOMAIN.md: each 1 to 3, product to level."""

LEVELS = ("low", "medium", "high")


def risk_level(likelihood: int, impact: int) -> str:
    """Level of a factor: product 1–2 low, 3–4 medium, 6–9 high."""
    if likelihood not in (1, 2, 3) or impact not in (1, 2, 3):
        raise ValueError("likelihood and impact run from 1 to 3")
    product = likelihood * impact
    if product <= 2:
        return "low"
    if product <= 4:
        return "medium"
    return "high"


def heat_map(factors) -> list[dict]:
    """Rows of the likelihood-by-impact grid, high impact on top, with factors in their cell."""
    rows = []
    for impact in (3, 2, 1):
        cells = [
            {
                "likelihood": likelihood,
                "impact": impact,
                "level": risk_level(likelihood, impact),
                "factors": [
                    f for f in factors if f.likelihood == likelihood and f.impact == impact
                ],
            }
            for likelihood in (1, 2, 3)
        ]
        rows.append({"impact": impact, "cells": cells})
    return rows
