"""The model: wiring of the problem, organizations, coalitions and backbones, and the schedule of a step."""

from cisim.model.model import CollectiveImpactModel
from cisim.model.reporters import model_reporters

__all__ = ["CollectiveImpactModel", "model_reporters"]
