"""Data nodes whose content lives in the file repository: arrays, files, folders; and
RemoteData, which points at a folder on a computer.

Content is put into the profile's content-addressed repository when it is given to the
node (so a file that vanishes later does not matter), and the node's attributes keep only
the keys, names and sizes. Identical content is stored once.
"""

from __future__ import annotations

import io
import posixpath
from collections.abc import Iterator, Mapping
from pathlib import Path, PurePosixPath
from typing import IO, TYPE_CHECKING, Any, ClassVar

from graphflow.errors import NotStorableError, RepositoryError
from graphflow.orm._data import Data
from graphflow.orm._nodes import register_node_class
from graphflow.store import FileRepository

if TYPE_CHECKING:
    import numpy as np

__all__ = ["ArrayData", "FolderData", "RemoteData", "SinglefileData", "repository"]


def repository() -> FileRepository:
    """The current profile's file repository."""
    from graphflow.orm._backend import current_profile

    return FileRepository(current_profile().repository_directory)


def _check_relpath(relpath: str, owner: str) -> str:
    """A normalised relative POSIX path; refuses absolute paths and '..' escapes."""
    if not isinstance(relpath, str) or not relpath:
        raise NotStorableError(f"{owner}: a file name must be a non-empty string")
    path = PurePosixPath(posixpath.normpath(relpath))
    if path.is_absolute() or path.parts[0] == ".." or str(path) == ".":
        raise NotStorableError(f"{owner}: {relpath!r} must be a relative path inside the folder")
    return str(path)


@register_node_class
class SinglefileData(Data):
    """One file, kept in the repository under its content hash."""

    node_type: ClassVar[str] = "core.singlefile"
    create_group: ClassVar[str] = "SinglefileData"
    type_label: ClassVar[str] = "SinglefileData"

    def __init__(
        self,
        file: str | Path | IO[bytes],
        filename: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        repo = repository()
        if isinstance(file, (str, Path)):
            path = Path(file)
            key = repo.put_file(path)
            name = filename or path.name
        else:
            key = repo.put_stream(file, source=filename or "a stream")
            name = filename or getattr(file, "name", None) or "file"
            name = Path(str(name)).name
        self._attributes.update(
            {
                "filename": _check_relpath(name, "SinglefileData"),
                "key": key,
                "size": repo.path(key).stat().st_size,
            }
        )

    @property
    def filename(self) -> str:
        return str(self._attributes["filename"])

    def _repository_keys(self) -> list[str]:
        return [str(self._attributes["key"])] if "key" in self._attributes else []

    def open(self, mode: str = "r") -> IO[Any]:
        """Open the content for reading (``'r'`` text, ``'rb'`` bytes)."""
        if mode not in ("r", "rb"):
            raise ValueError(f"SinglefileData opens only for reading ('r' or 'rb'), not {mode!r}")
        path = repository().path(self._attributes["key"])
        return open(path, mode, encoding=None if "b" in mode else "utf-8")

    def get_content(self, mode: str = "r") -> Any:
        with self.open(mode) as handle:
            return handle.read()

    def _repr_extra(self) -> str:
        return f" filename={self.filename!r}"


@register_node_class
class FolderData(Data):
    """A tree of files; each file is kept in the repository under its content hash."""

    node_type: ClassVar[str] = "core.folder"
    create_group: ClassVar[str] = "FolderData"
    type_label: ClassVar[str] = "FolderData"

    def __init__(self, tree: str | Path | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._attributes["files"] = {}
        if tree is not None:
            root = Path(tree)
            if not root.is_dir():
                raise RepositoryError(f"FolderData: {root} is not a directory")
            for path in sorted(root.rglob("*")):
                if path.is_file():
                    self.put_object_from_file(path, path.relative_to(root).as_posix())

    def _files(self) -> dict[str, dict[str, Any]]:
        files: dict[str, dict[str, Any]] = self._attributes["files"]
        return files

    def _repository_keys(self) -> list[str]:
        return [str(entry["key"]) for entry in self._files().values()]

    def put_object_from_file(self, path: str | Path, relpath: str) -> None:
        relpath = _check_relpath(relpath, self._ident())
        repo = repository()
        key = repo.put_file(Path(path))
        self._put(relpath, key, repo.path(key).stat().st_size)

    def put_object_from_bytes(self, data: bytes, relpath: str) -> None:
        relpath = _check_relpath(relpath, self._ident())
        key = repository().put_bytes(data, source=relpath)
        self._put(relpath, key, len(data))

    def _put(self, relpath: str, key: str, size: int) -> None:
        files = dict(self._files())
        files[relpath] = {"key": key, "size": size}
        self._set_attribute("files", files)

    def list_object_names(self, path: str = "") -> list[str]:
        """Names directly under ``path`` (files and sub-folders), sorted."""
        prefix = "" if path in ("", ".") else _check_relpath(path, self._ident()) + "/"
        names = set()
        for rel in self._files():
            if rel.startswith(prefix):
                names.add(rel[len(prefix) :].split("/", 1)[0])
        return sorted(names)

    def walk(self) -> Iterator[str]:
        """Every file's relative path."""
        yield from sorted(self._files())

    def has_object(self, relpath: str) -> bool:
        return _check_relpath(relpath, self._ident()) in self._files()

    def _key(self, relpath: str) -> str:
        rel = _check_relpath(relpath, self._ident())
        try:
            return str(self._files()[rel]["key"])
        except KeyError:
            raise FileNotFoundError(f"{self._ident()} has no file {rel!r}") from None

    def open(self, relpath: str, mode: str = "r") -> IO[Any]:
        if mode not in ("r", "rb"):
            raise ValueError(f"FolderData opens only for reading ('r' or 'rb'), not {mode!r}")
        path = repository().path(self._key(relpath))
        return open(path, mode, encoding=None if "b" in mode else "utf-8")

    def get_object_content(self, relpath: str, mode: str = "r") -> Any:
        with self.open(relpath, mode) as handle:
            return handle.read()

    def copy_tree(self, destination: str | Path) -> None:
        """Write every file under ``destination``."""
        repo = repository()
        for rel, entry in self._files().items():
            repo.copy_to(entry["key"], Path(destination) / rel)

    def _repr_extra(self) -> str:
        return f" files={len(self._files())}"


@register_node_class
class ArrayData(Data):
    """Named numpy arrays, each kept in the repository as a ``.npy`` object."""

    node_type: ClassVar[str] = "core.array"
    create_group: ClassVar[str] = "ArrayData"
    type_label: ClassVar[str] = "ArrayData"

    def __init__(self, arrays: Mapping[str, Any] | Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._attributes["arrays"] = {}
        if arrays is None:
            return
        if isinstance(arrays, Mapping):
            for name, array in arrays.items():
                self.set_array(name, array)
        else:
            self.set_array("default", arrays)

    def set_array(self, name: str, array: Any) -> None:
        import numpy as np

        if not isinstance(name, str) or not name.isidentifier():
            raise NotStorableError(f"{self._ident()}: array name {name!r} is not an identifier")
        value = np.asarray(array)
        if value.dtype.hasobject:
            raise NotStorableError(
                f"{self._ident()}: array {name!r} has dtype {value.dtype}, which holds Python "
                "objects and cannot be stored without pickle"
            )
        buffer = io.BytesIO()
        np.save(buffer, value, allow_pickle=False)
        key = repository().put_bytes(buffer.getvalue(), source=f"array {name}")
        arrays = dict(self._attributes["arrays"])
        arrays[name] = {"key": key, "shape": list(value.shape), "dtype": str(value.dtype)}
        self._set_attribute("arrays", arrays)

    def get_arraynames(self) -> list[str]:
        return sorted(self._attributes["arrays"])

    def _repository_keys(self) -> list[str]:
        return [str(entry["key"]) for entry in self._attributes["arrays"].values()]

    def get_array(self, name: str = "default") -> np.ndarray[Any, Any]:
        import numpy as np

        try:
            entry = self._attributes["arrays"][name]
        except KeyError:
            raise KeyError(
                f"{self._ident()} has no array {name!r} (has {self.get_arraynames()})"
            ) from None
        with open(repository().path(entry["key"]), "rb") as handle:
            array: np.ndarray[Any, Any] = np.load(handle, allow_pickle=False)
            return array

    def get_shape(self, name: str = "default") -> tuple[int, ...]:
        return tuple(self._attributes["arrays"][name]["shape"])

    def _repr_extra(self) -> str:
        return f" arrays={self.get_arraynames()}"


@register_node_class
class RemoteData(Data):
    """A folder on a computer (a calculation's remote working directory)."""

    node_type: ClassVar[str] = "core.remote"
    create_group: ClassVar[str] = "RemoteData"
    type_label: ClassVar[str] = "RemoteData"

    def __init__(self, remote_path: str = "", computer: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(remote_path, str) or not remote_path.startswith("/"):
            raise NotStorableError(f"RemoteData needs an absolute remote path, got {remote_path!r}")
        self._attributes.update({"remote_path": remote_path, "computer": computer})

    @property
    def remote_path(self) -> str:
        return str(self._attributes["remote_path"])

    @property
    def computer_label(self) -> str:
        return str(self._attributes["computer"])

    def _repr_extra(self) -> str:
        return f" {self.computer_label}:{self.remote_path}"
