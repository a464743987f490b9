"""The release files at their download URLs: ``/dist/<file>``.

The catalogue names ``https://w3id.org/vn-kg/dist/<file>`` (or ``--base-url`` + ``dist/``)
as each release file's ``dcat:downloadURL`` and ``void:dataDump``; the w3id redirect sends
that path to ``kg serve``, so ``/dist/`` must answer the file, not a page about its IRI.
``kg serve --dist DIR`` serves the files ``kg build -d DIR`` wrote there (default: none,
and ``/dist/...`` is 404 saying so). Each answer has the file's media type (the formats
registry's, as the catalogue states it), its length, and its SHA-256 as a strong ETag,
the digest the release catalogue gives as ``spdx:checksumValue``; ranges and
``If-None-Match`` are honoured (werkzeug's ``send_file``).
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from werkzeug.utils import send_file
from werkzeug.wrappers import Request, Response

if TYPE_CHECKING:
    from kg.http.service import AppContext

DIST_PATH = "/dist/"
#: Release files are named ``kg-<version>...``; nothing else in the folder is served.
RELEASE_PREFIX = "kg-"

# The digest of a file, while its size and modification time stay the same: hashing the
# gazetteer (49 MB) on every request would cost a tenth of a second of CPU each.
_digests: dict[Path, tuple[int, int, str]] = {}
_digests_lock = threading.Lock()


def _digest(path: Path, size: int, mtime_ns: int) -> str:
    with _digests_lock:
        known = _digests.get(path)
    if known is not None and known[:2] == (size, mtime_ns):
        return known[2]
    sha = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            sha.update(block)
    digest = sha.hexdigest()
    with _digests_lock:
        _digests[path] = (size, mtime_ns, digest)
    return digest


def media_type(name: str) -> str:
    """The Content-Type of a release file, from the formats registry (what
    ``dcat:mediaType`` states for it); ``application/octet-stream`` if none knows it."""
    from kg.io import formats

    fmt = formats.by_extension(name, formats.FORMATS)
    # werkzeug adds the charset of a text/* type itself.
    return fmt.media_types[0] if fmt is not None else "application/octet-stream"


def handle_download(ctx: AppContext, request: Request, name: str) -> Response:
    from kg.http.context import HttpError

    folder = ctx.config.dist
    if folder is None:
        raise HttpError(
            404,
            "this server serves no release files: run `kg build -d DIR` and "
            "`kg serve --dist DIR`, or download them where the release is published",
        )
    if "/" in name or "\\" in name or not name.startswith(RELEASE_PREFIX):
        raise HttpError(404, f"no release file {name!r}")
    path = folder / name
    try:
        status = path.stat()
    except OSError:
        raise HttpError(404, f"no release file {name!r}") from None
    if not path.is_file():
        raise HttpError(404, f"no release file {name!r}")
    return send_file(
        path,
        request.environ,
        mimetype=media_type(name),
        etag=_digest(path, status.st_size, status.st_mtime_ns),
        conditional=True,
        max_age=3600,
    )
