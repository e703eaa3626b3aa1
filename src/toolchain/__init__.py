"""Toolchain that is never deployed: packaging, Terraform, and the embedded AWS emulator.

Runtime code (`lambdas`) never imports from here. `tasks.py` only wires these pieces into invoke.
"""
