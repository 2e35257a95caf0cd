"""The secret scan: environment credentials and key-shaped strings stop the export, name the episode and the
kind of secret, never print it, and leave nothing written; ordinary text passes.

Fake keys are assembled at run time so this file holds no key-shaped literal for other scanners to trip on.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import orjson
import pytest
from tests.export.episodes import call, calls, episode, plain_episode, result, say, system, user
from tests.extras import format_params, formats_here

from isetrace.errors import DataError
from isetrace.export import SecretFinding, SecretScanner, export_episodes, get_format
from isetrace.export.secrets import credential_variables
from isetrace.records import Episode

ENV_SECRET = "s3cr3t-" + "Zq8" * 6
ENVIRON = {"AGENT_API_KEY": ENV_SECRET, "HOME": "/home/someone", "PATH": "/usr/bin:/bin"}


def leaking(text: str, *, ident: str = "ep-leak") -> list[Episode]:
    """A clean episode and one whose tool output contains ``text``."""
    dirty = episode([system(), user("Show me the config."), calls(call("k", "exec", {"command": "cat app.env"})),
                     result("k", "exec", f"exit code: 0\nAPI={text}\n"), say("That is the config.")], ident=ident)
    return [plain_episode("clean"), dirty]


def test_an_environment_key_in_a_tool_output_stops_the_export(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    with pytest.raises(DataError) as caught:
        export_episodes(leaking(ENV_SECRET), "ise-openai", path, environ=ENVIRON)
    message = str(caught.value)
    assert "episode ep-leak" in message and "environment variable AGENT_API_KEY" in message
    assert "messages[3].content" in message
    assert ENV_SECRET not in message and ENV_SECRET[7:] not in message
    assert list(tmp_path.iterdir()) == []  # nothing written, no temporary file left


@pytest.mark.parametrize("fmt", format_params())
def test_every_format_is_scanned_and_an_existing_file_survives(fmt: str, tmp_path: Path) -> None:
    path = tmp_path / f"out{get_format(fmt).suffix}"
    path.write_bytes(b"the previous export")
    with pytest.raises(DataError, match="environment variable AGENT_API_KEY"):
        export_episodes(leaking(ENV_SECRET), fmt, path, environ=ENVIRON)
    assert path.read_bytes() == b"the previous export" and [p.name for p in tmp_path.iterdir()] == [path.name]


def test_a_key_inside_tool_arguments_is_found(tmp_path: Path) -> None:
    leak = episode([system(), user("deploy"), calls(call("k", "exec", {"command": f"deploy --token {ENV_SECRET}"})),
                    result("k", "exec", "ok"), say("Deployed.")], ident="ep-args")
    for fmt, where in [("ise-openai", "messages[2].tool_calls[0].function.arguments"),
                       ("openai-strict", "messages[2].tool_calls[0].function.arguments")]:
        with pytest.raises(DataError, match=rf"episode ep-args: .*\(at {re.escape(where)}\)"):
            export_episodes([leak], fmt, tmp_path / "x.jsonl", environ=ENVIRON)


def test_a_key_in_the_offered_tools_or_the_system_prompt_is_found(tmp_path: Path) -> None:
    tools = [{"type": "function", "function": {"name": "exec", "description": f"uses key {ENV_SECRET}",
                                               "parameters": {"type": "object", "properties": {}}}}]
    with pytest.raises(DataError, match=r"tools\[0\]\.function\.description"):
        export_episodes([episode(tools=tools)], "openai-strict", tmp_path / "x.jsonl", environ=ENVIRON)


def fake(kind: str) -> str:
    body = "A1b2C3d4E5f6G7h8J9k0"
    return {
        "OpenAI API key": "sk-" + "proj-" + body + body,
        "OpenAI legacy key": "sk-" + body + body + "Xy12Zw34",
        "Anthropic API key": "sk-" + "ant-" + "api03-" + body + body,
        "AWS access key id": "AKIA" + "Q3X7" + "ZP2M" + "W8RT" + "K5NB",
        "GitHub token": "ghp" + "_" + body + "Lm9Nq8Rs7Tu6Vw5X",
        "GitHub fine-grained token": "github" + "_pat_" + "11ABCDEFG0" + body + "_" + body,
        "Slack token": "xox" + "b-" + "1234567890-0987654321-" + body,
        "Google API key": "AI" + "za" + "Sy" + body + "abcdefghijklm",
        "Hugging Face token": "hf" + "_" + "AbCdEfGhIjKlMnOpQrStUvWxYzAbCdEfGh",
        "private key block": "-----BEGIN " + "RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----",
        "OpenSSH private key": "-----BEGIN " + "OPENSSH PRIVATE KEY-----",
        "JSON Web Token": "ey" + "JhbGciOiJIUzI1NiJ9" + ".ey" + "JzdWIiOiIxMjM0NTY3ODkwIn0" + ".dozjgNryP4J3jVmNHl0w5N",
    }[kind]


@pytest.mark.parametrize(("kind", "reported"), [
    ("OpenAI API key", "OpenAI API key"), ("OpenAI legacy key", "OpenAI API key"),
    ("Anthropic API key", "Anthropic API key"), ("AWS access key id", "AWS access key id"),
    ("GitHub token", "GitHub token"), ("GitHub fine-grained token", "GitHub token"), ("Slack token", "Slack token"),
    ("Google API key", "Google API key"), ("Hugging Face token", "Hugging Face token"),
    ("private key block", "private key block"), ("OpenSSH private key", "private key block"),
    ("JSON Web Token", "JSON Web Token"),
])
def test_each_key_shape_stops_the_export(kind: str, reported: str, tmp_path: Path) -> None:
    secret = fake(kind)
    with pytest.raises(DataError) as caught:
        export_episodes(leaking(secret), "sharegpt", tmp_path / "out.jsonl", environ={})
    message = str(caught.value)
    assert "episode ep-leak" in message and reported in message and secret not in message
    assert "OpenAI" not in message or reported.startswith("OpenAI")  # sk-ant- is Anthropic, not OpenAI too
    assert not (tmp_path / "out.jsonl").exists()


ORDINARY = """\
Saved the risk-assessment-for-2024-q3-report.md and the disk-usage-summary-for-all-volumes-2024.txt.
Commit 3f9a2c7e1b4d5a6f7e8d9c0b1a2f3e4d5c6b7a8f;
sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08.
Request id 123e4567-e89b-12d3-a456-426614174000, base64 payload SGVsbG8sIFdvcmxkIQ==.
Config keys: hf_model_name_or_path, hf_hub_cache, gh_pages_branch, sk_learn_version, task-queue-worker-01.
The ASIA-PACIFIC region, AKIA is not a key by itself, and eyJ alone is not a token.
-----BEGIN PUBLIC KEY----- is fine to show. xoxo-gossip and skip-the-first-line-of-the-file-2 too.
Import the sk-learn-compatible-wrapper-for-v2 module; sk-1234 is a ticket; ghp_short; hf_lowercaseonlyidentifiernames.
Your password must have 8 characters; set API_KEY in your environment; the token budget is 4096.
"""


def test_ordinary_text_and_normal_episodes_pass(tmp_path: Path) -> None:
    environ = {**ENVIRON, "TOKENIZERS_PARALLELISM": "false", "SSH_KEY_PATH": "/home/someone/.ssh/id_ed25519",
               "GPG_KEY_FILE": "/etc/keys/signing.asc", "KEY_ENV_NAME": "AGENT_API_KEY"}
    clean = [episode(), plain_episode(), leaking(ORDINARY + "/home/someone /usr/bin AGENT_API_KEY")[1]]
    for fmt in formats_here():
        path = tmp_path / f"out{get_format(fmt).suffix}"
        assert export_episodes(clean, fmt, path, environ=environ).written == 3


def test_which_environment_variables_count_as_credentials() -> None:
    found = credential_variables({
        "OPENAI_API_KEY": "x" * 20, "GITHUB_TOKEN": "y" * 12, "DB_PASSWORD": "hunter2!!", "MY_SECRET": "z" * 8,
        "aws_secret_access_key": "w" * 40,                       # any case
        "SHORT_KEY": "1234567",                                  # shorter than 8
        "TOKENIZERS_PARALLELISM": "false", "HOME": "/root", "PWD": "/work",
        "SSH_KEY_PATH": "/root/.ssh/id", "TLS_KEY_FILE": "/etc/x.pem", "SECRETS_DIR": "/run/secrets",
        "KEY_ENV": "AGENT_API_KEY",                              # names another variable
    })
    assert sorted(found) == ["DB_PASSWORD", "GITHUB_TOKEN", "MY_SECRET", "OPENAI_API_KEY", "aws_secret_access_key"]


def test_findings_say_what_and_where_never_the_value() -> None:
    scanner = SecretScanner({"SERVICE_TOKEN": ENV_SECRET})
    row = {"messages": [{"content": "fine"}, {"content": f"a {ENV_SECRET} and {fake('AWS access key id')}"}],
           "arguments": {ENV_SECRET: "used as a key"}}
    assert scanner.findings(row) == [
        SecretFinding("environment variable SERVICE_TOKEN", "messages[1].content"),
        SecretFinding("AWS access key id", "messages[1].content"),
        SecretFinding("environment variable SERVICE_TOKEN", "arguments.<a key> (the key itself)"),
    ]
    assert scanner.findings({"a": ["nothing here"]}) == []
    with pytest.raises(DataError) as caught:
        scanner.check(row, "ep-9")
    assert "episode ep-9" in str(caught.value) and ENV_SECRET not in str(caught.value)
    assert "environment variable SERVICE_TOKEN (at messages[1].content and 1 more)" in str(caught.value)


SHAPES = ["OpenAI API key", "OpenAI legacy key", "Anthropic API key", "AWS access key id", "GitHub token",
          "GitHub fine-grained token", "Slack token", "Google API key", "Hugging Face token", "private key block",
          "OpenSSH private key", "JSON Web Token"]
AWKWARD_ENV = {"DEPLOY_TOKEN": 'a"quoted\\back\tslash\nnewline-ünïcode-secret', "AGENT_API_KEY": ENV_SECRET,
               "DB_PASSWORD": "p(a+)*[s]|s.w?rd^${1}"}  # what a pattern would read as its own syntax


def _placements(secret: str) -> list[object]:
    """Rows that hold ``secret`` in every way a row can: a value, inside prose, a key, deep in lists."""
    return [{"content": secret}, {"messages": [{"content": f"before {secret} after"}]}, {secret: "value"},
            {"tools": [[{"deep": [f"x\n{secret}\ty"]}]]}, [f'"{secret}"'],
            {"arguments": json.dumps({"t": secret}, ensure_ascii=False)}]


def test_one_look_at_a_row_never_passes_a_row_the_full_scan_would_stop() -> None:
    scanner = SecretScanner(AWKWARD_ENV)
    secrets = [fake(kind) for kind in SHAPES] + list(AWKWARD_ENV.values())
    for secret in secrets:
        for row in _placements(secret):
            assert scanner.findings(row), (secret, row)  # the full scan stops each of them…
            assert scanner.may_hold(row), (secret, row)  # …so the one look must not let them through
            if isinstance(row, dict) and all(isinstance(key, str) for key in row):  # …nor the export's own text
                assert scanner.may_hold(row, orjson.dumps(row)), (secret, row)
    plain = {"messages": [{"content": "Counted 412 parcels; the report is in summary.md."}], "n": 3, "ok": True}
    assert not scanner.may_hold(plain)  # a row without any key's first letters passes on one look
    near_misses = {"messages": [{"content": ORDINARY}]}  # these look twice, and still pass
    assert scanner.may_hold(near_misses) and not scanner.findings(near_misses)


def test_every_key_shape_begins_with_one_of_the_starts_the_one_look_searches_for() -> None:
    from isetrace.export.secrets import KEY_SHAPES, SHAPE_STARTS

    for kind in SHAPES:
        secret = fake(kind)
        matched = [m.group(0) for _, pattern, _ in KEY_SHAPES for m in pattern.finditer(secret)]
        assert matched and all(text.startswith(SHAPE_STARTS) for text in matched), kind
