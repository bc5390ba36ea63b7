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
