"""Read a PyTorch state dict file into numpy arrays without importing torch.

So that a framework other than torch (the Keras plugin) can load weights published as ``.pth``
files, and so that torch and TensorFlow need not share a process. Both of torch's formats are
read: the zip archive (torch >= 1.6: ``archive/data.pkl`` and one file per storage) and the
legacy stream (magic number, protocol, system info, the pickle, then each storage's element
count and bytes). Only plain tensors in (ordered) dicts are accepted: the unpickler resolves no
other class, so a file cannot run code.
"""
from __future__ import annotations

import collections
import io
import pickle
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from zoo.errors import WeightsError

_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
_DTYPES: dict[str, np.dtype[Any]] = {
    "FloatStorage": np.dtype("<f4"), "DoubleStorage": np.dtype("<f8"), "HalfStorage": np.dtype("<f2"),
    "LongStorage": np.dtype("<i8"), "IntStorage": np.dtype("<i4"), "ShortStorage": np.dtype("<i2"),
    "CharStorage": np.dtype("i1"), "ByteStorage": np.dtype("u1"), "BoolStorage": np.dtype("?"),
}


class _Storage:
    """A storage named in the pickle; its bytes are read after (legacy) or beside (zip) it."""

    def __init__(self, dtype: np.dtype[Any], numel: int) -> None:
        self.dtype, self.numel = dtype, int(numel)
        self.data: np.ndarray | None = None


class _Tensor:
    """A tensor view of a storage, made into an array once every storage is read."""

    def __init__(self, storage: _Storage, offset: int, size: tuple[int, ...], stride: tuple[int, ...]) -> None:
        self.storage, self.offset, self.size, self.stride = storage, int(offset), tuple(size), tuple(stride)

    def array(self) -> np.ndarray:
        data = self.storage.data
        assert data is not None
        item = data.dtype.itemsize
        view = np.lib.stride_tricks.as_strided(data[self.offset:], shape=self.size,
                                               strides=tuple(s * item for s in self.stride))
        return np.array(view)


def _rebuild_tensor(storage: _Storage, offset: int, size: tuple[int, ...], stride: tuple[int, ...],
                    *_: Any) -> _Tensor:
    return _Tensor(storage, offset, size, stride)


class _Unpickler(pickle.Unpickler):
    def __init__(self, file: BinaryIO, storages: dict[str, _Storage]) -> None:
        super().__init__(file)
        self.storages = storages

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in (("torch._utils", "_rebuild_tensor_v2"), ("torch._utils", "_rebuild_tensor")):
            return _rebuild_tensor
        if module == "torch" and name in _DTYPES:
            return _DTYPES[name]
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        raise pickle.UnpicklingError(f"{module}.{name} is not a tensor or a dict")

    def persistent_load(self, pid: Any) -> Any:
        if not isinstance(pid, tuple) or pid[0] != "storage":
            raise pickle.UnpicklingError(f"unsupported persistent id {pid!r:.60}")
        dtype, key, _location, numel = pid[1:5]
        if len(pid) > 5 and pid[5] is not None:
            raise pickle.UnpicklingError("storage views are not supported")
        if not isinstance(dtype, np.dtype):
            raise pickle.UnpicklingError(f"unsupported storage type {dtype!r}")
        return self.storages.setdefault(str(key), _Storage(dtype, numel))


def read_state_dict(path: str | Path) -> dict[str, np.ndarray]:
    """The tensors of the ``.pth`` / ``.pt`` file at `path` (its ``state_dict`` entry when the
    file holds a checkpoint dict), in file order; WeightsError (one line) when it is not one."""
    path = Path(path)
    try:
        if zipfile.is_zipfile(path):
            obj = _read_zip(path)
        else:
            with open(path, "rb") as f:
                obj = _read_legacy(f)
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, KeyError) as exc:
        raise WeightsError(f"cannot read {str(path)!r} as a PyTorch state dict: {type(exc).__name__}: "
                           f"{str(exc).splitlines()[0] if str(exc) else ''}") from None
    if isinstance(obj, dict) and isinstance(obj.get("state_dict"), dict):
        obj = obj["state_dict"]
    if not isinstance(obj, dict) or not all(isinstance(v, _Tensor) for v in obj.values()):
        raise WeightsError(f"{str(path)!r} does not hold a state dict of tensors")
    return {str(k): v.array() for k, v in obj.items()}


def _read_legacy(f: BinaryIO) -> Any:
    if _plain_load(f) != _LEGACY_MAGIC:
        raise ValueError("not a PyTorch file (no magic number)")
    _protocol, _sys_info = _plain_load(f), _plain_load(f)
    storages: dict[str, _Storage] = {}
    obj = _Unpickler(f, storages).load()
    for key in _plain_load(f):
        storage = storages[str(key)]
        count = int(np.frombuffer(f.read(8), "<i8")[0])
        if count != storage.numel:
            raise ValueError(f"storage {key}: {count} elements, expected {storage.numel}")
        storage.data = np.frombuffer(f.read(count * storage.dtype.itemsize), storage.dtype)
    return obj


def _read_zip(path: Path) -> Any:
    with zipfile.ZipFile(path) as archive:
        pkl = next(n for n in archive.namelist() if n.endswith("/data.pkl"))
        root = pkl[: -len("data.pkl")]
        storages: dict[str, _Storage] = {}
        obj = _Unpickler(io.BytesIO(archive.read(pkl)), storages).load()
        for key, storage in storages.items():
            storage.data = np.frombuffer(archive.read(f"{root}data/{key}"), storage.dtype)[: storage.numel]
    return obj


def _plain_load(f: BinaryIO) -> Any:
    """A pickle of builtins only (the legacy header and the storage key list)."""
    return _Restricted(f).load()


class _Restricted(pickle.Unpickler):
    find_class: Callable[..., Any]

    def find_class(self, module: str, name: str) -> Any:  # type: ignore[override]
        raise pickle.UnpicklingError(f"unexpected {module}.{name} in a PyTorch file header")
