"""Codelets: frozen, architecture-independent descriptions of DNN operations.

``ir`` (the data), ``builder`` (authoring), ``verify`` (the rules), ``printer`` (text),
``interpret`` (reference semantics with numpy), ``chain`` (codelet-level fusion) and
``library`` (one codelet per DNN operation).
"""

from covenant_lab.codelets.builder import IDENTITY, CodeletBuilder, OperandHandle
from covenant_lab.codelets.chain import chain
from covenant_lab.codelets.interpret import apply_op, interpret
from covenant_lab.codelets.ir import (
    Access,
    Affine,
    Codelet,
    Const,
    Dim,
    Operand,
    Source,
    Stage,
    Stmt,
    iter_accesses,
)
from covenant_lab.codelets.printer import source_text, stmt_text, to_text
from covenant_lab.codelets.verify import verify

__all__ = [
    "IDENTITY",
    "Access",
    "Affine",
    "Codelet",
    "CodeletBuilder",
    "Const",
    "Dim",
    "Operand",
    "OperandHandle",
    "Source",
    "Stage",
    "Stmt",
    "apply_op",
    "chain",
    "interpret",
    "iter_accesses",
    "source_text",
    "stmt_text",
    "to_text",
    "verify",
]
