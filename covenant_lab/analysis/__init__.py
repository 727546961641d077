"""Analyses of codelets on architectures: ideal (roofline) bounds and efficiency, and the
usability checks of ``covenant arch check``."""

from covenant_lab.analysis.arch_check import CheckReport, check_arch
from covenant_lab.analysis.arch_warnings import ArchWarning, WarningKind
from covenant_lab.analysis.bounds import Bound, efficiency, ideal_bound

__all__ = [
    "ArchWarning",
    "Bound",
    "CheckReport",
    "WarningKind",
    "check_arch",
    "efficiency",
    "ideal_bound",
]
