#!/usr/bin/env python3
"""Checks docker-compose.yml against what the services read from their environment.

The variables each service requires are derived from its source, not from a list kept by hand:
every `env.<getter>("NAME", ...)` call in services/<service>/src and in libs/service's Runtime
constructor (config::Env's getters, libs/config). A getter that fails without a value (required,
secret, required_integer, url/urls without a fallback that can be non-empty) makes the variable
required, unless the call only runs when that same variable is set (`if (!env.optional("X",
"").empty()) ... env.url("X")`) or sits in a Runtime block of a need the service switched off
(`Runtime rt("gateway", {.database = false})`). Conditions on other settings count as met: the
compose file is the production shape, so e.g. the gateway's LEGAL_* (required with Secure
cookies, the default) must be set.

Fails (exit 1, one line per problem; exit 2 when a file cannot be read) when a compose service running `kx-<service>` lacks a
required variable or gives it a value that can be empty (`${X:-}`, `${X}`), when a service of
services/ is not in the compose file, when the compose file sets a variable the service never
reads (a typo the service would silently ignore), or when the source has an Env call this script
cannot read (a name that is no literal, a getter it does not know).

  check_compose_env.py [--root DIR] [--compose FILE]
"""
import argparse
import os
import re
import sys

import yaml

# config::Env's getters (libs/config/include/kx/config/config.hpp) by what they do without a value.
REQUIRING = {"required", "secret", "required_integer"}
URL_GETTERS = {"url", "urls"}  # required unless the fallback (2nd argument) can be non-empty
OPTIONAL = {"optional", "optional_secret", "integer", "port", "flag", "millis", "one_of"}
NAMELESS = {"problem", "problems", "check"}

CALL = re.compile(r"\benv(?:_|\(\))?\.(\w+)\s*\(")


def strip_comments(src):
    """The source with comments blanked out (string and character literals kept), offsets kept."""
    out = []
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if src.startswith("//", i):
            j = src.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif src.startswith("/*", i):
            j = src.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", src[i:j]))
            i = j
        elif src.startswith('R"', i):
            m = re.match(r'R"([^(]*)\(', src[i:])
            end = src.find(")" + m.group(1) + '"', i) if m else -1
            j = n if end < 0 else end + len(m.group(1)) + 2
            out.append(src[i:j])
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and src[j] != c:
                j += 2 if src[j] == "\\" else 1
            out.append(src[i:j + 1])
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def skip_literal(src, i):
    """Index after the string or character literal starting at i."""
    q = src[i]
    j = i + 1
    while j < len(src) and src[j] != q:
        j += 2 if src[j] == "\\" else 1
    return j + 1


def balanced(src, open_at):
    """(inner text, index after the closing bracket) for the bracket at open_at."""
    pairs = {"(": ")", "{": "}", "[": "]"}
    stack = [pairs[src[open_at]]]
    i = open_at + 1
    while i < len(src) and stack:
        c = src[i]
        if c in "\"'":
            i = skip_literal(src, i)
            continue
        if c in pairs:
            stack.append(pairs[c])
        elif c == stack[-1]:
            stack.pop()
        i += 1
    return src[open_at + 1:i - 1], i


def split_args(text):
    """Top-level comma-separated arguments of a call."""
    args, depth, start, i = [], 0, 0, 0
    while i < len(text):
        c = text[i]
        if c in "\"'":
            i = skip_literal(text, i)
            continue
        if c in "({[":
            depth += 1
        elif c in ")}]":
            depth -= 1
        elif c == "," and depth == 0:
            args.append(text[start:i].strip())
            start = i + 1
        i += 1
    if text[start:].strip():
        args.append(text[start:].strip())
    return args


STRING = re.compile(r'^"((?:[^"\\]|\\.)*)"$')


def literal(arg):
    m = STRING.match(arg.strip())
    return m.group(1) if m else None


def statement_before(src, pos):
    """The text of the statement that contains pos, from its start up to pos."""
    start = max(src.rfind(";", 0, pos), src.rfind("}", 0, pos), src.rfind("{", 0, pos))
    return src[start + 1:pos]


def enclosing_block_head(src, pos):
    """The text before the `{` of the innermost block around pos (e.g. `if (needs_.database)`)."""
    depth, i = 0, pos - 1
    while i >= 0:
        c = src[i]
        if c == "}":
            depth += 1
        elif c == "{":
            if depth == 0:
                return statement_before(src, i)
            depth -= 1
        i -= 1
    return ""


def names_from_table(src, ident, where):
    """The variable names a range-for binds to `ident`: `for (const auto& [ident, ...] : table)`
    over `table[] = {{"NAME", ...}, ...}` yields each element's first string literal."""
    loop = re.search(r"for\s*\(\s*(?:const\s+)?auto\s*&{0,2}\s*(?:\[\s*" + re.escape(ident) +
                     r"\s*[,\]]|" + re.escape(ident) + r"\b)[^:]*:\s*(\w+)\s*\)", src)
    if not loop:
        raise LookupError(f"{where}: cannot tell which variable env call reads through `{ident}`")
    table = loop.group(1)
    init = re.search(r"\b" + re.escape(table) + r"\s*(?:\[\s*\])?\s*=?\s*\{", src)
    if not init:
        raise LookupError(f"{where}: cannot find the table `{table}` that `{ident}` runs over")
    body, _ = balanced(src, init.end() - 1)
    names = []
    for element in split_args(body):
        first = split_args(element.strip()[1:-1])[0] if element.strip().startswith("{") else element
        name = literal(first)
        if name is None:
            raise LookupError(f"{where}: `{table}` has an element without a literal name: {element}")
        names.append(name)
    return names


class Read:
    """One variable read by one Env call."""

    def __init__(self, name, getter, required, condition, where):
        self.name, self.getter, self.required = name, getter, required
        self.condition, self.where = condition, where


def url_fallback_can_be_empty(arg):
    return literal(arg) == "" or '""' in arg or "{}" in arg


def reads_in(src, path, start=0, end=None):
    """Every Env read in src[start:end] (comments already stripped)."""
    end = len(src) if end is None else end
    found = []
    for m in CALL.finditer(src, start, end):
        getter = m.group(1)
        if getter in NAMELESS:
            continue
        where = f"{path}:{src.count(chr(10), 0, m.start()) + 1}"
        if getter not in REQUIRING | URL_GETTERS | OPTIONAL:
            raise LookupError(f"{where}: unknown config::Env getter `{getter}`; teach {os.path.basename(__file__)}")
        args_text, _ = balanced(src, m.end() - 1)
        args = split_args(args_text)
        name = literal(args[0]) if args else None
        names = [name] if name is not None else names_from_table(src, args[0], where)
        if getter in REQUIRING:
            required = True
        elif getter in URL_GETTERS:
            required = len(args) < 2 or url_fallback_can_be_empty(args[1])
        else:
            required = False
        before = statement_before(src, m.start())
        head = enclosing_block_head(src, m.start())
        need = re.match(r"\s*if\s*\(\s*needs_\.(\w+)\s*\)\s*$", head)
        for n in names:
            self_guard = r"\bif\s*\(.*\"" + re.escape(n) + r"\""
            guarded = re.search(self_guard, before, re.S) or re.search(self_guard, head, re.S)
            found.append(Read(n, getter, required and not guarded, need.group(1) if need else None, where))
    return found


def runtime_reads(root):
    """The reads of libs/service's Runtime constructor (every service runs one)."""
    path = os.path.join(root, "libs/service/src/runtime.cpp")
    with open(path) as f:
        src = strip_comments(f.read())
    ctor = re.search(r"\bRuntime::Runtime\s*\(", src)
    if not ctor:
        raise LookupError(f"{path}: no Runtime::Runtime constructor")
    body = src.find("{", balanced(src, ctor.end() - 1)[1])
    _, body_end = balanced(src, body)
    return reads_in(src, os.path.relpath(path, root), body, body_end)


def needs_defaults(root):
    """Runtime's Needs flags and their defaults (libs/service/include/kx/service/runtime.hpp)."""
    with open(os.path.join(root, "libs/service/include/kx/service/runtime.hpp")) as f:
        src = strip_comments(f.read())
    struct = re.search(r"struct\s+Needs\s*\{", src)
    body, _ = balanced(src, struct.end() - 1) if struct else ("", 0)
    return {m.group(1): m.group(2) == "true" for m in re.finditer(r"\bbool\s+(\w+)\s*=\s*(true|false)\s*;", body)}


def service_sources(root, service):
    src_dir = os.path.join(root, "services", service, "src")
    for dirpath, _, files in os.walk(src_dir):
        for f in sorted(files):
            if f.endswith((".cpp", ".hpp")):
                yield os.path.join(dirpath, f)


def service_reads(root, service, runtime, defaults):
    """(required names, every name read) for one service."""
    reads, needs = [], dict(defaults)
    for path in service_sources(root, service):
        with open(path) as f:
            src = strip_comments(f.read())
        reads += reads_in(src, os.path.relpath(path, root))
        for m in re.finditer(r"\bRuntime\s+\w+\s*\(", src):
            for flag, value in re.findall(r"\.(\w+)\s*=\s*(true|false)", balanced(src, m.end() - 1)[0]):
                needs[flag] = value == "true"
    reads += [r for r in runtime if r.condition is None or needs.get(r.condition, True)]
    required = {}
    for r in reads:
        if r.required:
            required.setdefault(r.name, r)
    return required, {r.name for r in reads}


INTERPOLATION = re.compile(r"\$\{(\w+)(?:(:?[-?])((?:[^{}]|\{[^{}]*\})*))?\}|\$(\w+)|\$\$")


def worst_case(value):
    """The value compose gives when no variable is set in its environment; compose itself stops
    at `${X:?...}` and `${X?...}`, so those count as set (`<set>`)."""
    def sub(m):
        if m.group(0) == "$$":
            return "$"
        op, default = m.group(2), m.group(3)
        if op in (":?", "?"):
            return "<set>"
        if op in (":-", "-"):
            return worst_case(default or "")
        return ""
    return INTERPOLATION.sub(sub, str(value))


def environment_of(spec):
    env = spec.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    return {k: ("" if v is None else v) for k, v in env.items()}


def binary_of(spec):
    command = spec.get("command")
    if isinstance(command, str):
        command = command.split()
    return command[0] if command else None


def check(root, compose_path):
    problems = []
    with open(compose_path) as f:
        compose = yaml.safe_load(f)
    services = sorted(d for d in os.listdir(os.path.join(root, "services"))
                      if os.path.isdir(os.path.join(root, "services", d, "src")))
    runtime = runtime_reads(root)
    defaults = needs_defaults(root)
    by_binary = {}
    for name, spec in (compose.get("services") or {}).items():
        by_binary.setdefault(binary_of(spec or {}), []).append(name)
    for service in services:
        required, read = service_reads(root, service, runtime, defaults)
        entries = by_binary.get(f"kx-{service}", [])
        if not entries:
            problems.append(f"services/{service}: no compose service runs kx-{service}")
        for entry in entries:
            env = environment_of(compose["services"][entry])
            for name, r in sorted(required.items()):
                if name not in env:
                    problems.append(f"{entry}: {name} is required ({r.where}, env.{r.getter}) but not set")
                elif worst_case(env[name]).strip() == "":
                    problems.append(f"{entry}: {name} is required ({r.where}, env.{r.getter}) "
                                    f"but can be empty: {env[name]!r}; use ${{{name}:?...}} or a value")
                elif r.getter in URL_GETTERS and not re.match(r"(<set>|https?://)", worst_case(env[name])):
                    problems.append(f"{entry}: {name} must be an http(s) URL (got {env[name]!r})")
            for name in sorted(set(env) - read):
                problems.append(f"{entry}: sets {name}, which kx-{service} never reads")
    return problems


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=os.path.abspath(os.path.join(here, "../..")))
    parser.add_argument("--compose")
    args = parser.parse_args()
    compose = args.compose or os.path.join(args.root, "docker-compose.yml")
    try:
        problems = check(args.root, compose)
    except LookupError as e:
        problems = [str(e)]
    except (OSError, yaml.YAMLError) as e:
        print(f"cannot check {compose}: {e}", file=sys.stderr)
        return 2
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} problem(s) in {os.path.relpath(compose, args.root)}", file=sys.stderr)
        return 1
    print(f"{os.path.relpath(compose, args.root)}: every variable the services require is set")
    return 0


if __name__ == "__main__":
    sys.exit(main())
