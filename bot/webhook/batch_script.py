"""The claim and the reads queued with it as one Lua script call: one command on the wire.

A pipeline of a claim and five reads costs redis-py a command object, packing and a parsed
reply for each, and Redis a command dispatch (and, for EVAL, a hash of the script's text) for
each. `ScriptBatch` takes the same calls a pipeline takes (get, sismember, eval, ...) and sends
them as one EVALSHA of a script made of the scripts they run, kept per set of scripts.

Each step runs protected: a step that fails (a wrong type, a broken script) yields an error in
its place, as a pipeline run with raise_on_error=False does, and the others still run.
"""

from __future__ import annotations

import hashlib
import threading
from typing import Any

from redis.commands.core import CoreCommands
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError, ResponseError

# Replies of a master that is no longer one (demoted, or cut off from its replicas by a
# fail-over). Sent straight back, the connection turns them into a reconnection through
# Sentinel; caught by a step, they come back as data and the connection would stay on it.
_STALE_MASTER = ("NOREPLICAS", "READONLY")

# Steps as (part, keys, args): part 0 is a plain command (its name first among the args), part
# N the Nth script of the batch. ARGV starts with the number of steps, then for each step its
# part, number of keys and number of args, then the args; KEYS holds the scripts' keys in order.
_RUNNER = """
local out = {}
local k, a = 0, 1
for i = 1, tonumber(ARGV[1]) do
  local part, nkeys, nargs = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3])
  a = a + 3
  local keys, args = {}, {}
  for j = 1, nkeys do keys[j] = KEYS[k + j] end
  for j = 1, nargs do args[j] = ARGV[a + j] end
  k, a = k + nkeys, a + nargs
  local ok, r
  if part == 0 then
    ok, r = true, redis.pcall(unpack(args))
  else
    ok, r = pcall(parts[part], keys, args)
    if not ok and not (type(r) == 'table' and r.err) then r = {err = tostring(r)} end
  end
  if r == nil then r = false end
  out[i] = r
end
return out
"""

_lock = threading.Lock()
_made: dict[tuple[str, ...], tuple[str, str]] = {}


def _script(scripts: tuple[str, ...]) -> tuple[str, str]:
    """The runner holding these scripts as functions, and its SHA1 (made once per set)."""
    made = _made.get(scripts)
    if made is None:
        functions = ",\n".join(f"function(KEYS, ARGV)\n{body}\nend" for body in scripts)
        text = f"local parts = {{\n{functions}\n}}\n{_RUNNER}"
        made = (text, hashlib.sha1(text.encode()).hexdigest())
        with _lock:
            _made[scripts] = made
    return made


class ScriptBatch(CoreCommands):
    """Gathers commands and scripts as a pipeline would, and runs them in one script call."""

    def __init__(self) -> None:
        self._steps: list[tuple[Any, list, list]] = []

    def __len__(self) -> int:
        return len(self._steps)

    def execute_command(self, *args: Any, **options: Any) -> ScriptBatch:
        name = str(args[0]).upper()
        if name == "EVAL":
            script, numkeys = args[1], int(args[2])
            rest = list(args[3:])
            self._steps.append((script, rest[:numkeys], rest[numkeys:]))
        else:
            self._steps.append((0, [], list(args)))
        return self

    def script_call(self) -> tuple[str, str, list]:
        """The script's text, its SHA1 and the EVALSHA arguments after the SHA1."""
        scripts = tuple(dict.fromkeys(s for s, _, _ in self._steps if s != 0))
        index = {s: i for i, s in enumerate(scripts, 1)}
        keys: list = []
        argv: list = [len(self._steps)]
        for script, step_keys, step_args in self._steps:
            keys += step_keys
            argv += [index.get(script, 0), len(step_keys), len(step_args), *step_args]
        text, sha = _script(scripts)
        return text, sha, [len(keys), *keys, *argv]

    def run(self, client: Any) -> list:
        """Every step's result in order (an exception in place of a failed step)."""
        text, sha, args = self.script_call()
        try:
            results = client.execute_command("EVALSHA", sha, *args)
        except NoScriptError:
            # A restarted or flushed Redis forgot it: load it once and go on.
            client.script_load(text)
            results = client.execute_command("EVALSHA", sha, *args)
        for result in results:
            if isinstance(result, ResponseError) and str(result).startswith(_STALE_MASTER):
                client.connection_pool.disconnect(inuse_connections=False)
                raise RedisConnectionError(f"the master refused a write ({str(result).split()[0]})")
        return list(results)
