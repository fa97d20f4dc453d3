"""How a process class is named in the store, and how any interpreter finds it again.

A process may continue in another interpreter than the one that launched it: a daemon
worker started from another folder, ``process resume`` in a new shell, a worker that took
over from a dead one. So the name recorded on the node and in its checkpoint must be
enough to import the class there. Three forms:

- ``core.arithmetic.add``: an entry point (plugins; found wherever the package is
  installed);
- ``pkg.module:Qual.name`` or ``pkg.module:Qual.name@/import/root``: an import name, and,
  when the module was not installed (found through the current folder, a script's folder
  or ``PYTHONPATH``), the folder it was imported from, which a later interpreter adds to
  its ``sys.path`` if the module cannot be imported by name there;
- ``file:/path/script.py:Qual.name``: a class defined in a script that was run directly.
  The script is imported under a private module name, not ``__main__``, so its
  ``if __name__ == "__main__":`` block does not run again; classes of a script imported
  that way keep their ``file:`` name, so they can be handed over again.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import importlib.util
import sys
import sysconfig
import threading
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from graphflow.errors import PluginError, ProcessError

__all__ = ["import_name", "load_named", "refuse_launch_while_importing", "unsubmittable_reason"]

_SCRIPT_PREFIX = "graphflow_script_"
#: the private module names of imported scripts, and their files
_scripts: dict[str, Path] = {}
#: held while a script is imported (see _import_script); re-entrant, as a script may
#: load another
_script_lock = threading.RLock()
#: the script being imported in this thread, to continue a process it defines
_importing: ContextVar[Path | None] = ContextVar("graphflow_importing_script", default=None)


def refuse_launch_while_importing(label: str) -> None:
    """Refuse to start a process while a script is imported to continue another one: its
    launching code is outside ``if __name__ == "__main__":``, and would start again in
    every interpreter that continues one of its processes."""
    path = _importing.get()
    if path is not None:
        raise ProcessError(
            f"the script {path} launches {label} when it is imported; graphflow imports it "
            "to continue a process it defines, so put its launching code under "
            'if __name__ == "__main__":'
        )


def import_name(module_name: str, qualname: str) -> str:
    """The recorded name of ``qualname`` in module ``module_name`` (not an entry point)."""
    script = _scripts.get(module_name)
    if script is not None:
        return f"file:{script}:{qualname}"
    file = getattr(sys.modules.get(module_name), "__file__", None)
    if module_name == "__main__":  # several scripts may run as __main__, one after another
        path = _script_file(file)
        return f"file:{path}:{qualname}" if path else f"__main__:{qualname}"
    root = _import_root(module_name, file)
    return f"{module_name}:{qualname}" if root is None else f"{module_name}:{qualname}@{root}"


def unsubmittable_reason(name: str) -> str | None:
    """Why another interpreter could never load the class named ``name``, if it could not."""
    if name.startswith("__main__:"):
        return (
            "it is defined in an interactive session (no file), which another interpreter "
            "cannot import: define it in a module or a script file"
        )
    if "<locals>" in name:
        return (
            "it is defined inside a function, which another interpreter cannot import: "
            "define it at the top level of a module or script"
        )
    return None


def load_named(name: str) -> Any:
    """The object an import name or a ``file:`` name (see the module docstring) names."""
    if name.startswith("file:"):
        path_text, _, qualname = name[len("file:") :].rpartition(":")
        target: Any = _import_script(Path(path_text))
    else:
        module_name, _, rest = name.partition(":")
        qualname, _, root = rest.partition("@")
        target = _import_module(module_name, root or None, name)
    for part in qualname.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise PluginError(f"process type {name!r}: no {part!r} in {target!r}") from None
    return target


# both are asked at every process's creation and checkpoint: resolving paths costs ~20 us


@functools.cache
def _script_file(file: str | None) -> Path | None:
    """The script's absolute path, or None when it is no file (``<stdin>``, a notebook)."""
    return Path(file).resolve() if file and Path(file).is_file() else None


@functools.cache
def _import_root(module_name: str, file: str | None) -> Path | None:
    """The ``sys.path`` folder ``module_name`` came from, unless it is an installed one."""
    if not file:
        return None
    path = Path(file).resolve()
    depth = module_name.count(".") + (1 if path.name == "__init__.py" else 0)
    if depth >= len(path.parents):
        return None
    root = path.parents[depth]
    return None if root in _installed_folders() else root


@functools.cache
def _installed_folders() -> frozenset[Path]:
    paths = sysconfig.get_paths()
    keys = ("purelib", "platlib", "stdlib", "platstdlib")
    return frozenset(Path(paths[key]).resolve() for key in keys if paths.get(key))


def _import_module(module_name: str, root: str | None, name: str) -> Any:
    top = module_name.partition(".")[0]
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if root is None or exc.name != top:
            raise _not_importable(module_name, name, exc) from exc
    folder = Path(root)
    if not ((folder / f"{top}.py").is_file() or (folder / top).is_dir()):
        raise PluginError(
            f"cannot import module {module_name!r} of process type {name!r}: it is not "
            f"installed here, and {folder} (where it was imported from) no longer has it"
        )
    _add_to_path(folder)
    try:
        return importlib.import_module(module_name)
    except ImportError as exc:
        raise _not_importable(module_name, name, exc) from exc


def _add_to_path(folder: Path) -> None:
    """Let modules in ``folder`` be imported, after everything already on the path."""
    if str(folder) not in sys.path:
        sys.path.append(str(folder))
        importlib.invalidate_caches()


def _not_importable(module_name: str, name: str, exc: ImportError) -> PluginError:
    return PluginError(f"cannot import module {module_name!r} of process type {name!r}: {exc}")


def _import_script(path: Path) -> Any:
    # One import at a time: the module is in sys.modules while its code runs (as Python's
    # own imports do, for scripts that import themselves), and a second thread must not
    # take that half-run module for the whole (a worker loads a backlog on many threads).
    with _script_lock:
        return _import_script_once(path)


def _import_script_once(path: Path) -> Any:
    if not path.is_file():
        raise PluginError(f"the script {path} that defines the process no longer exists")
    module_name = _SCRIPT_PREFIX + hashlib.sha256(str(path).encode()).hexdigest()[:12]
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise PluginError(f"cannot import the script {path}")
    module = importlib.util.module_from_spec(spec)
    _add_to_path(path.parent)  # as when it ran: it may import modules beside it
    sys.modules[module_name] = module
    _scripts[module_name] = path
    importing = _importing.set(path)
    try:
        spec.loader.exec_module(module)
    except BaseException as exc:
        del sys.modules[module_name]
        del _scripts[module_name]
        if not isinstance(exc, Exception):
            raise
        raise PluginError(
            f"importing the script {path} failed: {type(exc).__name__}: {exc}"
        ) from exc
    finally:
        _importing.reset(importing)
    return module
