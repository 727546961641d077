"""Analyses of codelets on architectures: ideal (roofline) bounds and efficiency."""

from covenant_lab.analysis.bounds import Bound, efficiency, ideal_bound

__all__ = ["Bound", "efficiency", "ideal_bound"]
