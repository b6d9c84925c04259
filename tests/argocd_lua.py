"""Runs an Argo CD health script the way Argo CD does, on Lua 5.1 (``lupa.lua51``).

Argo CD (``util/lua/lua.go``: ``runLuaWithResourceActionParameters``) runs health scripts on gopher-lua, a Lua 5.1,
with ``SkipOpenLibs`` unless ``useOpenLibs`` is set: only the package, base and table libraries and a safe ``os``
(``time``, ``date``) are open; no ``string``, ``math``, ``io``, ``debug`` or ``coroutine``, and no string methods
(``("x"):len()``), since the string library is what gives strings their metatable. The resource is the global
``obj``; the chunk's return value is the health (``ExecuteHealthLua``): a table whose ``status`` is one of the six
codes, else ``Unknown`` with "Lua returned an invalid health status". This module reproduces that environment, so a
script that leans on anything Argo CD withholds fails here too.
"""

from __future__ import annotations

from typing import Any

from lupa import lua51

STATUSES = ("Healthy", "Progressing", "Degraded", "Suspended", "Missing", "Unknown")
_BASE = [
    "assert",
    "collectgarbage",
    "dofile",
    "error",
    "getfenv",
    "getmetatable",
    "load",
    "loadfile",
    "loadstring",
    "next",
    "pcall",
    "print",
    "rawequal",
    "rawget",
    "rawset",
    "select",
    "setfenv",
    "setmetatable",
    "tonumber",
    "tostring",
    "type",
    "unpack",
    "xpcall",
    "module",
    "newproxy",
    "ipairs",
    "pairs",
    "_VERSION",
    "require",
    "package",
]

_SANDBOX = """
local source, base_names = ...
local env = {}
for _, name in ipairs(base_names) do env[name] = _G[name] end
env._G = env
env.table = table
env.os = { time = os.time, date = os.date }
local chunk, problem = loadstring(source, "=health.lua")
if chunk == nil then error(problem) end
setfenv(chunk, env)
return chunk, env
"""


class LuaScriptError(Exception):
    """The script did not run (syntax error, or an error raised while running: Argo CD reports Unknown)."""


def run_health(script: str, obj: dict[str, Any]) -> dict[str, str]:
    """``{"status": ..., "message": ...}`` as Argo CD would compute it for ``obj`` (``message`` may be absent)."""
    runtime = lua51.LuaRuntime(register_eval=False, register_builtins=False, unpack_returned_tuples=True)
    runtime.execute('getmetatable("").__index = nil')  # no string methods without the string library
    load_sandboxed = runtime.execute(f"return function(...) {_SANDBOX} end")
    try:
        chunk, env = load_sandboxed(script, runtime.table_from(_BASE))
        env["obj"] = runtime.table_from(obj, recursive=True)
        result = chunk()
    except lua51.LuaError as error:
        raise LuaScriptError(str(error)) from None
    if result is None:
        return {}
    if lua51.lua_type(result) != "table":
        raise LuaScriptError(f"expect table output from Lua script, not {lua51.lua_type(result)}")
    health = {key: result[key] for key in ("status", "message") if result[key] is not None}
    if health.get("status") not in STATUSES:
        return {"status": "Unknown", "message": "Lua returned an invalid health status"}
    return health
