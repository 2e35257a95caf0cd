"""Agent runtimes made elsewhere, run as they ship: today the original OpenClaw, found and checked here.

isetrace's own runtime (the dialects in :mod:`isetrace.tools`) reimplements OpenClaw's tools; running the
original npm package instead gives transcripts exactly as OpenClaw writes them, at the price of a pinned
Node.js and package install, which this package locates and checks before anything relies on them.
"""

from isetrace.runtimes.openclaw_install import (
    INSTALL_HINT,
    OPENCLAW_VERSION,
    OpenClawInstall,
    default_runtime_dir,
    locate_openclaw,
    node_supported,
    openclaw_problems,
    parse_node_version,
)

__all__ = [
    "INSTALL_HINT",
    "OPENCLAW_VERSION",
    "OpenClawInstall",
    "default_runtime_dir",
    "locate_openclaw",
    "node_supported",
    "openclaw_problems",
    "parse_node_version",
]
