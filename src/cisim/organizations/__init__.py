"""The actors: organizations working on the problem, and the backbone organization that supports them."""

from cisim.organizations.agents import Backbone, Organization
from cisim.organizations.population import SECTORS, Population

__all__ = ["SECTORS", "Backbone", "Organization", "Population"]
