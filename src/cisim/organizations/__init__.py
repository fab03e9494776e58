"""The actors: organizations working on the problem, and the backbone organization that supports them."""

from cisim.organizations.agents import SECTORS, Backbone, Organization

__all__ = ["SECTORS", "Backbone", "Organization"]
