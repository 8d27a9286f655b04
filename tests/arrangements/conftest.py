"""The dunning fixtures the arrangements tests share: plans and promises live next to the cycle."""

from tests.dunning.conftest import presets  # noqa: F401
