"""Which code a profile may import to continue a process: never what the store says alone.

A process is continued (``process resume``, a daemon worker taking it over) by importing
the class its node and checkpoint name. Anyone who can write to the store could name any
file or module there, and have it run. So a class is imported only from where this
profile's own configuration (the owner's 0600 file, out of the store's reach) says
launched code comes from:

- entry points and graphflow's own modules, always;
- a script's folder, an import root, or a top-level module name that the profile
  trusts. Launching a process (``run``, ``submit``, a child created by a running process)
  adds its origin, so a user's own work continues anywhere without a step of theirs;
  ``graphflow profile trust PROFILE ORIGIN`` adds one by hand.

A name from anywhere else is refused, naming the class and how to allow it.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from graphflow.config import Profile, load_config, trust_code
from graphflow.errors import ConfigError, PluginError

__all__ = ["check_trusted", "origin_of", "trust_launch"]

#: origins known trusted in this interpreter, by profile folder (saves re-reading the file)
_known: dict[str, set[str]] = {}


def origin_of(process_type: str) -> str | None:
    """Where ``process_type`` would be imported from: a folder or a top-level module name;
    None for an entry point or graphflow's own code, which need no trust."""
    if process_type.startswith("file:"):
        path_text = process_type[len("file:") :].rpartition(":")[0]
        return str(Path(path_text).parent)
    if ":" not in process_type:
        return None  # an entry point: installed on purpose
    module_name, _, rest = process_type.partition(":")
    root = rest.partition("@")[2]
    if root:
        return root
    top = module_name.partition(".")[0]
    return None if top == "graphflow" else top


def trust_launch(profile: Profile, process_type: str) -> None:
    """Remember that this profile's user launched code from ``process_type``'s origin."""
    origin = origin_of(process_type)
    if origin is None or origin == "__main__" or origin in _trusted(profile):
        return
    updated = trust_code(profile.name, [origin])
    _known[str(profile.directory)] = set(updated.trusted_code)


def check_trusted(profile: Profile, process_type: str) -> None:
    """Refuse to import ``process_type`` unless its origin is trusted by ``profile``.

    Raises:
        PluginError: naming the class, where it would come from, and how to allow it.
    """
    origin = origin_of(process_type)
    if origin is None:
        return
    _check_found_at_origin(process_type, origin)
    if origin in _trusted(profile):
        return
    try:  # launched since this interpreter read the configuration?
        current = load_config().get(profile.name).trusted_code
    except ConfigError:
        current = ()
    _known[str(profile.directory)] = {*_trusted(profile), *current}
    if origin in current:
        return
    where = f"the folder {origin}" if origin.startswith("/") else f"the module {origin!r}"
    raise PluginError(
        f"process type {process_type!r} would be imported from {where}, which profile "
        f"{profile.name!r} does not trust: nothing launched from there with this profile. "
        f"If it is your code, allow it with: graphflow profile trust {profile.name} {origin}"
    )


def _check_found_at_origin(process_type: str, origin: str) -> None:
    """Refuse ``module:Q@/root`` when ``module`` would be imported from elsewhere.

    The module is imported by name first (graphflow._importing), so a trusted root
    written beside a module found elsewhere (the standard library, ``PYTHONPATH``, the
    folder an interpreter was started in) would run that other module. Finding a
    top-level module's spec runs none of its code.
    """
    if process_type.startswith("file:") or not origin.startswith("/"):
        return
    top = process_type.partition(":")[0].partition(".")[0]
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        spec = None
    if spec is None:
        return  # not importable by name: it is imported from the root itself
    locations = list(spec.submodule_search_locations or []) or [spec.origin or ""]
    root = Path(origin).resolve()
    if not any(loc and Path(loc).resolve().is_relative_to(root) for loc in locations):
        where = locations[0] or "a built-in module"
        raise PluginError(
            f"process type {process_type!r} names the folder {origin}, but {top!r} would "
            f"be imported from {where}: refused, since that is not the code launched"
        )


def _trusted(profile: Profile) -> set[str]:
    known = _known.get(str(profile.directory))
    if known is None:
        known = _known[str(profile.directory)] = set(profile.trusted_code)
    return known
