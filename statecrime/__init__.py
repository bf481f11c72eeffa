"""statecrime: a knowledge graph of the links between hostile states and crime."""

__version__ = "0.1.0"
