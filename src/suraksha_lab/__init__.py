"""Suraksha's lab: synthetic data and evaluations, kept out of the runtime package.

Installed with the project; the server and the capabilities never import it (an import contract in
pyproject.toml checks it). The command line imports it inside the commands that need it, and the demo
uses it to generate its synthetic registry.
"""
