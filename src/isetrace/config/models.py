"""The sections of a run's configuration: one pydantic model per concern, unknown keys refused."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
    model_validator,
)

from isetrace.errors import ConfigError
from isetrace.records import Termination
from isetrace.registry import known

__all__ = [
    "DEFAULT_EXPORTS",
    "FAULT_KINDS",
    "ROLES",
    "AgentConfig",
    "CacheConfig",
    "DedupConfig",
    "EndpointConfig",
    "EndpointsConfig",
    "ExportFormat",
    "ExportSpec",
    "IntentsConfig",
    "PricesConfig",
    "RunConfig",
    "RunSection",
    "SandboxConfig",
    "SandboxLimits",
    "SimulateConfig",
    "ToolsConfig",
    "ValidationConfig",
    "VerifyConfig",
    "WebSearchConfig",
    "WorldFaultsConfig",
    "WorldsConfig",
]

ROLES = ("agent", "user", "renderer", "judge")
"""The four model roles of a run; each may have its own endpoint."""

OFFLINE_HINT = "configs/offline.yaml"


class _Section(BaseModel):
    # no infinite or NaN numbers: every number here is a count, a size, a limit, a rate or a price
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True, validate_default=True,
                              allow_inf_nan=False)


class PricesConfig(_Section):
    """What an endpoint's tokens cost, in USD per million tokens, for ``ise stats`` to put a cost on the
    corpus. Only statistics read it: prices are not part of a run's config hash, so a run resumes under new
    ones."""

    prompt: float = Field(ge=0.0, allow_inf_nan=False)
    """Price of a million prompt (input) tokens."""
    completion: float = Field(ge=0.0, allow_inf_nan=False)
    """Price of a million completion (output) tokens, reasoning included."""
    cached_prompt: float | None = Field(None, ge=0.0, allow_inf_nan=False)
    """Price of a million prompt tokens the server reports as served from its prompt cache; unset, they
    cost ``prompt``."""


class EndpointConfig(_Section):
    """One model endpoint: any OpenAI-compatible server, or one a provider plugin starts in-process."""

    provider: str = "openai"
    """``openai``: any OpenAI-compatible HTTP server (vLLM, SGLang, Ollama, llama.cpp, hosted APIs) at
    ``base_url``. Any other name is a provider plugin (``isetrace.registry``, kind ``provider``) that the
    run starts in-process on a loopback port, configured by ``provider_options``."""
    provider_options: dict[str, Any] = Field(default_factory=dict)
    """Settings of a provider plugin, read by the plugin's own schema when the endpoint starts (see its
    documentation). Empty for ``openai``."""
    base_url: str | None = None
    """The server's ``…/v1`` URL. Required for ``openai``; ignored for provider plugins."""
    model: str
    """Model name sent with every request."""
    api_key_env: str | None = None
    """Name of the environment variable holding the API key (never the key itself)."""
    temperature: float = Field(0.7, ge=0.0, le=2.0)
    """Sampling temperature."""
    top_p: float | None = Field(None, gt=0.0, le=1.0)
    """Nucleus sampling; the server's default when unset."""
    max_tokens: int | None = Field(None, ge=1)
    """Completion token cap per call; the server's default when unset."""
    concurrency: int = Field(8, ge=1)
    """At most this many requests in flight to this endpoint at once."""
    timeout_s: float = Field(120.0, gt=0.0)
    """Per-request timeout; a timed-out request is retried."""
    max_retries: int = Field(6, ge=0)
    """Retries after the first attempt on 429, 5xx, timeouts and dropped connections."""
    backoff_s: float = Field(1.0, gt=0.0)
    """Base of the exponential backoff between retries (doubled each time, full jitter, capped at 60 s)."""
    thinking: bool | None = None
    """Ask for (true) or suppress (false) the model's reasoning; unset leaves the server's default."""
    thinking_style: Literal["auto", "enable_thinking", "thinking", "reasoning_effort", "none"] = "auto"
    """How the thinking switch is sent. ``auto`` picks by model family (see the README)."""
    structured_output: Literal["json_schema", "json_object", "none"] = "json_schema"
    """How roles that answer in JSON (renderer, user simulator, judge) ask for it: ``json_schema`` sends
    the reply's JSON Schema as ``response_format`` (OpenAI, vLLM, SGLang, Ollama, llama-server);
    ``json_object`` sends JSON mode with the schema alongside (llama-cpp-python's server); ``none`` sends
    nothing and relies on the prompt. A server that refuses a mode makes the endpoint fall back to the
    next weaker one, once, with a warning, recorded in the run's usage."""
    null_tool_call_content: bool = False
    """Send ``content: null`` (as OpenAI does) on an assistant message that only calls tools. Off, ``""``
    is sent, which every server accepts (llama-cpp-python refuses ``null`` and a missing ``content``)."""
    extra_body: dict[str, Any] = Field(default_factory=dict)
    """Extra JSON fields merged into every request body (server-specific options)."""
    extra_headers: dict[str, str] = Field(default_factory=dict)
    """Extra HTTP headers sent with every request. Values are masked by ``ise config show``."""
    prices: PricesConfig | None = None
    """What this endpoint's tokens cost (``{prompt, completion, cached_prompt}``, USD per million), for the
    cost figures of ``ise stats``; unset, its tokens are counted but not priced."""

    @field_validator("provider")
    @classmethod
    def _known_provider(cls, value: str) -> str:
        names = ["openai", *known("provider")]
        if value not in names:
            raise ValueError(f"unknown provider {value!r} (known: {', '.join(names)})")
        return value

    @field_validator("extra_body")
    @classmethod
    def _whole_replies(cls, value: dict[str, Any]) -> dict[str, Any]:
        if value.get("stream"):  # an event stream would read as an empty reply, three times, then an error
            raise ValueError("isetrace reads whole replies: leave 'stream' out of extra_body")
        return value

    @model_validator(mode="after")
    def _provider_fields(self) -> EndpointConfig:
        if self.provider == "openai" and not self.base_url:
            raise ValueError("base_url is required when provider is 'openai'")
        if self.provider == "openai" and self.provider_options:
            raise ValueError("provider_options apply only to provider plugins, not to 'openai'")
        return self


class EndpointsConfig(_Section):
    """The endpoint of each role. A role left unset cannot be used: nothing falls back silently."""

    agent: EndpointConfig | None = None
    """The model that acts: it calls the tools."""
    user: EndpointConfig | None = None
    """The model that plays the simulated user."""
    renderer: EndpointConfig | None = None
    """The model that writes intents from their 4D specs."""
    judge: EndpointConfig | None = None
    """The model that judges outcomes, where a judge is used."""


class CacheConfig(_Section):
    """An on-disk cache of model replies keyed by a hash of the request, so a re-run can replay them."""

    enabled: bool = False
    """Read and write the cache."""
    path: str = ".ise-cache/llm.sqlite"
    """SQLite file of the cache (relative paths are relative to the working directory)."""


class DedupConfig(_Section):
    """The three deduplication passes over rendered intents."""

    near_threshold: float = Field(0.8, gt=0.0, le=1.0)
    """Jaccard similarity (MinHash LSH over word shingles) above which an intent is a near-duplicate."""
    num_perm: int = Field(128, ge=16)
    """MinHash permutations: more is more precise and slower."""
    semantic: bool = True
    """Run the semantic pass (embedding cosine)."""
    semantic_threshold: float = Field(0.92, gt=0.0, le=1.0)
    """Cosine similarity above which an intent is a semantic duplicate."""


class ValidationConfig(_Section):
    """Checks a rendered intent must pass before it is kept."""

    min_chars: int = Field(80, ge=1)
    """Shortest acceptable request."""
    max_chars: int = Field(6000, ge=100)
    """Longest acceptable request."""


class IntentsConfig(_Section):
    """Stage I: how many intents to make, from which library and seed, and how they are checked."""

    count: int = Field(8, ge=1)
    """How many intents to sample and render."""
    seed: int = 0
    """Seed of the sampler; the same seed gives the same 4D samples."""
    library: str | None = None
    """A library directory (personas.jsonl, domains.yaml, complexity.yaml); the built-in one when unset."""
    file: str | None = None
    """A JSONL file of intents or direct queries, in the original recipe's shapes, to run instead of sampling
    and rendering new ones (no renderer is called). A record without an id gets one from its content."""
    embedder: str = "auto"
    """Sentence embeddings for the semantic pass and diversity: ``auto`` (all-MiniLM-L6-v2 when the
    ``embed`` extra is installed, else TF-IDF), ``minilm``, ``tfidf``, or a local sentence-transformers
    model name or path."""
    write_checks: bool = True
    """Ask the renderer for the checks of each request with the request itself (see Verified work); off for a
    model too small to write both."""
    dedup: DedupConfig = Field(default_factory=DedupConfig)
    """Deduplication settings."""
    validation: ValidationConfig = Field(default_factory=ValidationConfig)
    """Validation settings."""


class SandboxLimits(_Section):
    """Limits on what one command in a sandbox may use. Each is enforced per command (rlimits)."""

    timeout_s: float = Field(120.0, gt=0.0)
    """Wall time per command; at the limit the whole process group is killed and the output kept."""
    cpu_s: int | None = Field(600, ge=1)
    """CPU seconds per process (RLIMIT_CPU)."""
    memory_mb: int | None = Field(2048, ge=16)
    """Address space per process, in MiB (RLIMIT_AS)."""
    max_processes: int | None = Field(256, ge=8)
    """Processes the sandbox's user may have at once (RLIMIT_NPROC; counted per session)."""
    file_size_mb: int | None = Field(512, ge=1)
    """Largest file a command may write, in MiB (RLIMIT_FSIZE)."""
    open_files: int | None = Field(1024, ge=16)
    """Open file descriptors per process (RLIMIT_NOFILE)."""
    output_bytes: int = Field(256 * 1024, ge=1024)
    """Output kept per stream and command; the rest is dropped and counted."""
    disk_mb: int = Field(2048, ge=16)
    """bwrap: size of the session's writable layer; the workspace cannot grow past it."""


class SandboxMount(_Section):
    """A host file or directory every session sees read-only: an agent runtime's install, a data set, the
    socket directory through which a model endpoint is reached while the network is off."""

    source: str
    """The host path (it must exist when a session starts)."""
    target: str
    """Where sessions see it: an absolute path under ``/opt/`` or ``/mnt/``, so a mount can neither hide
    a system directory nor the workspace."""

    @field_validator("target")
    @classmethod
    def _beside_the_system(cls, value: str) -> str:
        parts = value.split("/")
        if not value.startswith(("/opt/", "/mnt/")) or any(p in ("", ".", "..") for p in parts[1:]):
            raise ValueError(f"a mount's target is a plain absolute path under /opt/ or /mnt/, not {value!r}")
        return value


class SandboxConfig(_Section):
    """Where the agent's tool calls run."""

    backend: str = "bwrap"
    """``bwrap`` (bubblewrap, the default), ``docker``, or ``local`` (development only: no isolation)."""
    template: str = "default"
    """The workspace template each session starts from (``ise sandbox template create``)."""
    network: bool = False
    """Whether commands may reach the network (``on``/``off`` in YAML)."""
    limits: SandboxLimits = Field(default_factory=SandboxLimits)
    """Per-command limits."""
    home: str | None = None
    """Where templates and session scratch space live. Default: /var/lib/isetrace as root, else
    ~/.local/share/isetrace. The sandbox user must be able to traverse it."""
    image: str = "python:3.12-slim"
    """docker: the image sessions run in (it needs python3)."""
    mounts: list[SandboxMount] = Field(default_factory=list)
    """Host paths every session sees read-only (bwrap and docker; the local backend has no mounts)."""
    etc_files: dict[str, str] = Field(default_factory=dict)
    """bwrap: files the session sees in ``/etc`` instead of the host's, by name and content. The worlds set
    ``resolv.conf`` (the session's own name server) and ``pip.conf`` (the package world's index)."""

    @field_validator("etc_files")
    @classmethod
    def _plain_etc_names(cls, value: dict[str, str]) -> dict[str, str]:
        for name in value:
            if not re.fullmatch(r"[a-z0-9][a-z0-9._-]{0,63}", name) or name in ("passwd", "group", "shadow"):
                raise ValueError(f"{name!r} is not a file sessions may be given in /etc (a plain name, not passwd, "
                                 "group or shadow)")
        return value


class WebSearchConfig(_Section):
    """The search provider behind ``web_search``. Without one, the tool answers with a clear error."""

    provider: Literal["none", "searxng", "brave", "serper"] = "none"
    """``searxng`` (self-hosted, needs base_url), ``brave`` or ``serper`` (hosted, need a key)."""
    base_url: str | None = None
    """The provider's URL; required for searxng, optional override for the hosted ones."""
    api_key_env: str | None = None
    """Environment variable that holds the provider's API key."""
    timeout_s: float = Field(20.0, gt=0.0)
    """Timeout of one search request."""


class ToolsConfig(_Section):
    """Which tools the agent is offered, and how the ones that reach outside behave."""

    dialect: Literal["openclaw", "claude-code", "services"] = "openclaw"
    """Tool names and parameters: ``openclaw`` (exec, read, write, edit, …), ``claude-code`` (Bash, Read,
    Write, Edit, Glob, Grep) or ``services`` (the office world's calls as functions, ``mail_send_message``…,
    beside exec, read, write, edit and the web tools; needs ``worlds.office``)."""
    web_search: WebSearchConfig = Field(default_factory=WebSearchConfig)
    """The search provider behind web_search."""
    fetch_max_chars: int = Field(50_000, ge=100)
    """Default cap on the text ``web_fetch`` returns."""
    read_max_lines: int = Field(2000, ge=10)
    """Lines a file read returns by default before it pages."""
    skills_dir: str | None = None
    """A directory of OpenClaw skills (one folder each, with a SKILL.md) to offer the agent; unset: the small
    set shipped with isetrace; ``""``: no skills."""


FaultKind = Literal["rate_limited", "server_error", "timeout", "permission_denied", "flaky_read"]
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)
"""How a world fails on purpose (``worlds.faults.rates``)."""


class WorldFaultsConfig(_Section):
    """Failures the worlds inject on purpose, so recovery data is made deliberately and can be counted."""

    rates: dict[FaultKind, float] = Field(default_factory=dict)
    """The share of calls to a world that fail each way, e.g. ``{rate_limited: 0.05, server_error: 0.02}``:
    ``rate_limited`` 429 with ``Retry-After``, ``server_error`` 500, ``timeout`` no answer until the
    connection drops, ``permission_denied`` 403, ``flaky_read`` a body cut half way. Drawn per call from a
    generator seeded by ``seed`` and the episode, so a run injects the same faults again."""
    seed: int = 0
    timeout_s: float = Field(15.0, gt=0.0, le=300.0)
    """How long a ``timeout`` fault holds the call before dropping the connection."""

    @model_validator(mode="after")
    def _rates_are_shares(self) -> WorldFaultsConfig:
        if any(not 0.0 <= rate <= 1.0 for rate in self.rates.values()) or sum(self.rates.values()) > 1.0:
            raise ValueError("worlds.faults.rates: each rate is between 0 and 1, and together at most 1")
        return self


class WorldsConfig(_Section):
    """Services every session reaches on its own loopback, as it would reach the real thing, offline.

    Each world is served by the isetrace process inside the session's own network namespace (bwrap with
    ``sandbox.network`` off): the session resolves the worlds' names and nothing else, and the worlds' state
    and audit log stay on the host. What a world starts from is the intent's ``world`` seed, or a default."""

    web: bool = False
    """Pages on their own host names and a search engine (``search.test``); ``web_fetch`` and ``web_search``
    use them."""
    base_corpus: bool = True
    """``web``: serve the shipped base corpus (a few hundred pages) beside the intents' own pages."""
    git: bool = False
    """Remote repositories at ``http://git.test/<name>.git`` to clone, pull and push to."""
    office: bool = False
    """Mail, calendar, contacts, chat, tickets, notes, todo and a job scheduler at ``http://office.test/v1/``,
    the ``office`` command in every session, and the ``services`` tool dialect's tools."""
    packages: bool = False
    """A package index at ``http://pypi.test/simple/`` (``make wheelhouse``), so ``pip install`` works offline."""
    wheelhouse: str | None = None
    """The wheels the index serves; unset: ``$ISETRACE_WHEELHOUSE``, else ``<the running virtualenv>/wheelhouse``
    where ``make wheelhouse`` puts them."""
    faults: WorldFaultsConfig = Field(default_factory=WorldFaultsConfig)

    @property
    def names(self) -> list[str]:
        """The worlds that run: ``web``, ``git``, ``office``, ``packages``, in that order."""
        return [name for name in ("web", "git", "office", "packages") if getattr(self, name)]

    @property
    def enabled(self) -> bool:
        """Whether any world runs."""
        return bool(self.names)


class AgentConfig(_Section):
    """What acts for the agent: isetrace's own tools, or the original OpenClaw runtime inside the session."""

    runtime: Literal["isetrace", "openclaw"] = "isetrace"
    """``isetrace``: the model calls the tools of ``tools.dialect``, run by isetrace in the session;
    ``openclaw``: OpenClaw itself (``make install-openclaw``) runs in the session with its own tools, system
    prompt and workspace files, one ``openclaw agent`` run per user message (bwrap or docker sandboxes)."""
    openclaw_dir: str | None = None
    """Where the OpenClaw runtime is installed; unset: ``$ISETRACE_OPENCLAW_DIR``, else
    ``.venv/openclaw-runtime`` where ``make install-openclaw`` puts it."""
    turn_timeout_s: float = Field(900.0, gt=0.0)
    """``openclaw``: the longest one agent turn (one ``openclaw agent`` run) may take before it is stopped."""
    context_window: int = Field(32_768, ge=1024)
    """``openclaw``: the agent model's context window, as OpenClaw is told it (it plans compaction by it)."""
    max_tokens: int = Field(4_096, ge=16)
    """``openclaw``: the most tokens OpenClaw asks the model for in one reply."""


class VerifyConfig(_Section):
    """How an episode's work is checked once its conversation (or an intent of it) has ended."""

    enabled: bool = True
    """Evaluate the intents' checks and reference answers in the session before it closes."""
    check_timeout_s: float = Field(30.0, gt=0.0)
    """The longest one check (a command, a file read) may take."""
    intent_timeout_s: float = Field(300.0, gt=0.0)
    """The longest all checks of one intent may take together; checks left when it is up fail as not run."""
    judge: bool = True
    """Where an intent has no checks that can decide, ask the judge endpoint (when ``endpoints.judge`` is set)."""


class SimulateConfig(_Section):
    """Stage S: how a conversation runs and when it must stop."""

    mode: Literal["intent", "multi", "query"] = "intent"
    """``intent``: one intent per session; ``multi``: several intents in one session (workspace and agent
    context carry over, each intent gets a fresh simulator); ``query``: the intent is sent as one user
    turn and the agent's answer ends the episode (no simulator)."""
    intents_per_session: int = Field(2, ge=1)
    """``multi`` mode: how many intents share one session."""
    max_user_turns: int = Field(20, ge=1)
    """Fuse: at most this many simulated-user turns per intent."""
    max_turn_steps: int = Field(25, ge=1)
    """At most this many model calls in one agent turn before the turn is cut off."""
    max_agent_steps: int = Field(80, ge=1)
    """At most this many agent model calls in the whole episode."""
    max_episode_tokens: int | None = Field(None, ge=1)
    """Token budget of one episode (all roles); unset means no budget."""
    drift_retries: int = Field(2, ge=0)
    """How often a drifted simulated-user turn is regenerated before it is kept as it is."""
    drift_detector: Literal["auto", "rules", "model"] = "auto"
    """What judges each simulated-user turn for role drift: ``rules`` (phrase rules only), ``model`` (the
    rules and a classifier over MiniLM sentence embeddings, which finds drift the rules miss; needs the
    ``embed`` extra), or ``auto`` (``model`` when the extra is installed, else ``rules``)."""
    appended_question: str | None = None
    """A direct question put to the agent after the last intent, before the session closes."""
    appended_query_file: str | None = None
    """A pool of direct queries (JSONL, the recipe's ``{"id", "query"}`` or ``{"question", "answer"}``): one
    of them, chosen by ``seed`` and the session's last intent, is put to the agent before the session
    closes (the recipe's ``append_query_file``). Not with ``appended_question``."""
    seed: int = 0
    """Seed of the choices the episodes make (the query drawn from ``appended_query_file``)."""
    date: dt.date | None = None
    """The date the agent is told (YYYY-MM-DD); fix it for reproducible runs. Default: today."""

    @model_validator(mode="after")
    def _one_appended_question(self) -> SimulateConfig:
        if self.appended_question and self.appended_query_file:
            raise ValueError("set appended_question or appended_query_file, not both")
        if self.mode == "query" and (self.appended_question or self.appended_query_file):
            raise ValueError("query mode asks one question per episode; appended questions apply to the intent "
                             "and multi modes")
        return self

    @property
    def episode_roles(self) -> list[str]:
        """The endpoints an episode calls: the agent, and the simulated user unless in query mode."""
        return ["agent"] if self.mode == "query" else ["agent", "user"]


ExportFormat = Literal["ise-openai", "openai-strict", "sharegpt", "hf"]
DEFAULT_EXPORTS: tuple[ExportFormat, ...] = ("ise-openai", "openai-strict", "sharegpt")


class ExportSpec(_Section):
    """One export written at the end of a run: a format, and which episodes it keeps.

    In YAML a bare name is shorthand for ``{format: NAME}``: ``exports: [ise-openai, sharegpt]``, or
    ``exports: [ise-openai, {format: sharegpt, include: [success, user_judged_failure]}]``, or
    ``{format: sharegpt, verified: true}`` for verified work only.
    """

    format: ExportFormat
    """The format's name: ``ise-openai``, ``openai-strict``, ``sharegpt`` or ``hf``."""
    include: list[Termination] | None = Field(None, min_length=1)
    """The terminations whose episodes are written (``success``, ``user_judged_failure``, ``step_limit``…),
    or ``all``. Unset: the format's default — the training formats (``openai-strict``, ``sharegpt``,
    ``hf``) keep only ``success``; ``ise-openai`` keeps every episode, each with its status."""
    verified: bool = False
    """Keep only episodes whose work is verified (their checks, reference answer or judge passed)."""

    @model_validator(mode="before")
    @classmethod
    def _name_is_format(cls, value: Any) -> Any:
        return {"format": value} if isinstance(value, str) else value

    @field_validator("include", mode="before")
    @classmethod
    def _all_or_one(cls, value: Any) -> Any:
        if isinstance(value, str):
            return list(Termination) if value.strip().lower() == "all" else [value]
        return value

    @model_serializer(mode="wrap")
    def _shorthand(self, handler: SerializerFunctionWrapHandler) -> Any:
        """Written back as it is usually written: a bare name, and ``include: all`` for every termination."""
        if self.include is None and not self.verified:
            return self.format
        data = handler(self)
        if not self.verified:
            data.pop("verified", None)
        if self.include is None:
            data.pop("include", None)
        elif set(self.include) == set(Termination):
            data["include"] = "all"
        return data


class RunSection(_Section):
    """Where a run keeps its files."""

    dir: str = "runs/default"
    """The run directory (intents, episodes, exports, statistics)."""
    concurrency: int = Field(4, ge=1)
    """Episodes in flight at once, each with its own sandbox."""
    executor: Literal["local", "ray"] = "local"
    """``local``: asyncio in this process; ``ray``: each episode a Ray task (``pip install 'isetrace[ray]'``)."""
    ray_address: str | None = None
    """Ray cluster to join (``auto``, ``ray://host:10001``); unset starts a local Ray instance."""
    max_llm_calls: int | None = Field(None, ge=1)
    """Global budget of model calls (all roles); the run stops cleanly when it is reached."""
    max_tokens: int | None = Field(None, ge=1)
    """Global budget of tokens (all roles); the run stops cleanly when it is reached."""
    exports: list[ExportSpec] = Field(default_factory=lambda: [ExportSpec(format=f) for f in DEFAULT_EXPORTS])
    """Formats written at the end of a run, each a name (``sharegpt``) or ``{format: NAME, include: […]}``
    to choose which terminations it keeps (a list, or ``all``). By default the training formats
    (``openai-strict``, ``sharegpt``, ``hf``) keep only episodes that ended in ``success`` and ``ise-openai``
    keeps all. ``hf`` Parquet needs ``pip install 'isetrace[hf]'``."""

    @field_validator("exports")
    @classmethod
    def _each_format_once(cls, exports: list[ExportSpec]) -> list[ExportSpec]:
        names = [spec.format for spec in exports]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ValueError(f"each format may be named once (each writes one file); named more than once: "
                             f"{', '.join(twice)}")
        return exports


class RunConfig(_Section):
    """Everything a run needs to know, in one place."""

    endpoints: EndpointsConfig = Field(default_factory=EndpointsConfig)
    """Model endpoints, one per role."""
    cache: CacheConfig = Field(default_factory=CacheConfig)
    """The reply cache."""
    intents: IntentsConfig = Field(default_factory=IntentsConfig)
    """Stage I settings."""
    sandbox: SandboxConfig = Field(default_factory=SandboxConfig)
    """Stage E: where tool calls run."""
    tools: ToolsConfig = Field(default_factory=ToolsConfig)
    """Stage E: the agent's tools."""
    agent: AgentConfig = Field(default_factory=AgentConfig)
    """Stage E: the runtime that acts for the agent."""
    worlds: WorldsConfig = Field(default_factory=WorldsConfig)
    """Stage E: the offline services every session reaches."""
    verify: VerifyConfig = Field(default_factory=VerifyConfig)
    """Checking the work: the intents' checks, reference answers."""
    simulate: SimulateConfig = Field(default_factory=SimulateConfig)
    """Stage S: the conversation."""
    run: RunSection = Field(default_factory=RunSection)
    """The run directory."""

    @property
    def episode_roles(self) -> list[str]:
        """The endpoints an episode calls: the agent, the simulated user unless in query mode, and the judge
        when verification may ask it (``verify.judge`` and a judge endpoint set)."""
        judge = ["judge"] if self.verify.enabled and self.verify.judge and self.endpoints.judge is not None else []
        return [*self.simulate.episode_roles, *judge]

    def endpoint(self, role: str) -> EndpointConfig:
        """The endpoint of ``role``; a :class:`ConfigError` naming the offline config when unset."""
        if role not in ROLES:
            raise ConfigError(f"unknown role {role!r}; the roles are {', '.join(ROLES)}")
        found: EndpointConfig | None = getattr(self.endpoints, role)
        if found is None:
            raise ConfigError(
                f"no endpoint is configured for the {role} role (endpoints.{role}). Point it at an "
                f"OpenAI-compatible server in your config, or run offline with --config {OFFLINE_HINT}."
            )
        return found
