"""The one exception tree of isetrace.

Every error the library raises on purpose is an :class:`IseError`, so callers can tell "isetrace said no,
with a reason" from "a bug". The subclasses name *who* failed: the user's configuration, the input data,
a model endpoint, or a sandbox. Anything else that escapes is a bug and should fail loudly.
"""

from __future__ import annotations

__all__ = [
    "AuthenticationFailed",
    "ConfigError",
    "DataError",
    "EndpointError",
    "EndpointUnavailable",
    "IseError",
    "LLMReplyError",
    "OutputError",
    "RequestRejected",
    "SandboxUnavailable",
    "ToolError",
]


class IseError(Exception):
    """Base of every error isetrace raises deliberately; its message is meant for a person."""


class ConfigError(IseError):
    """The configuration is wrong: an unknown key, a bad value, a missing endpoint.

    The message names the dotted path of the field (``endpoints.agent.temperature``) and, where known,
    where the value came from (file, ``ISE_*`` variable or ``-c`` override).
    """


class DataError(IseError):
    """An input file is malformed; the message starts with ``file:line:``."""


class OutputError(IseError):
    """A path given for output cannot be written as asked: a directory, a block device, a folder without
    write permission, a full disk. The message names the path; whatever the path pointed at is unchanged."""


class EndpointError(IseError):
    """A model endpoint could not produce a usable answer.

    Attributes:
        role: the role whose endpoint failed (``agent``, ``user``, ``renderer``, ``judge``).
        attempts: how many HTTP attempts were made before giving up.
        reason: the server's side of it in one line (status and the start of its words), when it said one.
    """

    def __init__(self, message: str, *, role: str = "", attempts: int = 0, reason: str = "") -> None:
        super().__init__(message)
        self.role = role
        self.attempts = attempts
        self.reason = reason


class EndpointUnavailable(EndpointError):
    """Transient failures (429, 5xx, timeouts, dropped connections) outlasted every retry."""


class RequestRejected(EndpointError):
    """The endpoint refused the request itself (auth, bad request, context length): retrying cannot help."""


class AuthenticationFailed(RequestRejected):
    """The endpoint refused our credentials (HTTP 401 or 403).

    Every later request would be refused the same way, so a run stops at the first one: no new episode
    starts, the one that hit it is not recorded (it runs again on resume), and the run can be resumed
    once the key is fixed.
    """


class LLMReplyError(EndpointError):
    """The endpoint answered, but the answer is unusable (empty, or not the JSON that was asked for).

    Attributes:
        raw: the raw text of the reply, kept so the caller can log or inspect it.
    """

    def __init__(self, message: str, *, role: str = "", attempts: int = 0, raw: str = "") -> None:
        super().__init__(message, role=role, attempts=attempts)
        self.raw = raw


class SandboxUnavailable(IseError):
    """The sandbox itself is broken (could not start, supervisor died).

    Never raised for a command that merely failed: that is a result with a non-zero exit code.
    """


class ToolError(IseError):
    """A tool could not do what the model asked (bad path, text not found, network off…).

    It is shown to the model as the tool's result and the episode goes on. Any *other* exception from a
    tool is a bug in isetrace and fails the episode loudly.
    """
