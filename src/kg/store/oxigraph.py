"""The Oxigraph engine: in memory (``memory``, the default) or in a folder
(``oxigraph:PATH``).

One module because loading, querying, updating and exporting share the pyoxigraph Store
and the conversion of its terms; the N-Quads writer here must agree byte for byte with
the rdflib path, and lives beside the terms it converts.

In memory, ``load`` parses the files with Oxigraph's own parsers; nothing persists.

In a folder, the database is ``PATH/oxigraph/`` and what it holds is recorded in
``PATH/kg-store.json``: every source file (absolute path, size, modification time in
nanoseconds), the number of quads and the pyoxigraph version. ``load`` with the same
files, unchanged, does nothing; any difference (a file added, removed, edited or
touched; another pyoxigraph) clears the store and loads again. A load that fails leaves
the store empty and without a manifest, so that the next command loads again. A folder
mirrors its source files, so it refuses updates: change the files instead.

A folder with a manifest is opened read-only, holding RocksDB's ``LOCK`` file as a
writable open holds it (so one process at a time, as before): a read-only open writes
nothing, where a writable one writes and syncs a new log, manifest and options file
each time, which was most of a cold ``kg query run --store`` (bench/results.md). A
``load`` that has something to load opens the folder writable first. Where there are
no POSIX locks (Windows), every open is writable.

Files are parsed by Oxigraph (``bulk_load`` in a folder, ``load`` in memory) under the
named-graph rules of ``kg.io.sources`` (a triple file goes into ``graph_iri_for_file``;
a triple in the default graph of a TriG or N-Quads file is an error). JSON-LD and
RDF/XML go through ``kg.io.parse`` (it inlines local JSON-LD contexts and refuses DTDs).

Parameter values are bound with a ``VALUES`` block at the start of the outermost WHERE
group (``kg.sparql.catalogue.with_values``), each term written as rdflib's ``n3()``
writes it after the parameter checks, never raw text: pyoxigraph's own ``substitutions`` reach
only the top-level projection, and a binding through a custom function in ``BIND`` hid
the value from Oxigraph's planner (``evidence-for-fact`` 391 ms against 0.5 ms at 10⁵
quads, bench/results.md).

Oxigraph cannot stop a query it has started: with a time limit, the query runs in a
worker thread and the caller gets QueryTimeout at the limit while the worker finishes
in the background (at most ``WORKERS`` at once, so runaway queries cannot pile up
without bound).

A SELECT answer's terms become ``kg.sparql.terms.Term``s (``term_of``), not rdflib
terms: a query run and written in a results format imports no rdflib. Their literals
get the lexical forms the rdflib terms had (``kg.sparql.terms.lexical``), so answers are
written byte for byte as before.

Oxigraph stores literals of XSD datatypes in canonical form (``"98.0"^^xsd:decimal`` is
read back as ``"98"``); the shipped data is written in forms every store keeps as they
are, and ``tests/test_store.py`` checks that the data read back is the data loaded.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import threading
import weakref
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from kg.core.errors import (
    InputError,
    KgError,
    QueryError,
    QueryTimeout,
    Refused,
    TooManyRows,
    one_line,
)
from kg.sparql.catalogue import with_values
from kg.sparql.policy import LOCAL, DatasetSpec, Policy, check_query, check_update
from kg.sparql.results import Result, Row, in_query_order
from kg.sparql.terms import LITERAL, XSD_STRING, Term, lexical
from kg.sparql.update import with_using
from kg.store.base import (
    NO_LIMITS,
    UNION_DEFAULT_GRAPH,
    Limits,
    cap_message,
    source_files,
)

# Imported where used, not here: hashlib, concurrent.futures and kg.core.files serve
# time limits, dumps, versions and folders, not the one query of a cold `kg query run`.
if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

    from rdflib import Dataset
    from rdflib.term import Identifier, Node

#: The file in an Oxigraph store folder that records what was loaded.
MANIFEST = "kg-store.json"
_MANIFEST_FORMAT = 1
#: kg.io.parse's parser names that Oxigraph parses itself (the others go through rdflib).
_OXIGRAPH_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
}
_BOM = b"\xef\xbb\xbf"
# How Oxigraph's parsers say an IRI is relative when there is no base to resolve it.
_NO_SCHEME = "No scheme found in an absolute IRI"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# How Oxigraph's parsers say where a syntax error is (kept as the error's line and column).
_PARSER_AT = re.compile(r"^Parser error at line \d+ between columns \d+ and \d+: ")
#: Queries with a time limit that may run at once per store (see the module docstring).
WORKERS = 8
_instances = itertools.count(1)


def _first_line(exc: BaseException) -> str:
    """The first line of ``exc``, control characters (a NUL in a bad IRI) shown as
    U+XXXX, never sent raw to a terminal."""
    text = str(exc).strip()
    line = text.splitlines()[0] if text else type(exc).__name__
    return _CONTROL.sub(lambda m: f"U+{ord(m.group()):04X}", line)


#: What the user can do about a damaged store folder (kg never deletes one itself).
REBUILD_HINT = "remove the folder and run the command again: kg rebuilds it from the sources"
# RocksDB's words for files that are missing, cut or garbled.
_DAMAGE = re.compile(r"Corruption|No such file|MANIFEST|CURRENT|checksum|truncated", re.I)


def _open_folder(path: Path, read_only: bool = False) -> Any:
    """The pyoxigraph Store in ``path/oxigraph``, writable unless ``read_only`` (the
    caller holds the folder, ``_hold_for_reading``); InputError, naming the folder, when
    it cannot be opened: locked by another process, or damaged (with ``REBUILD_HINT``)."""
    if path.exists() and not path.is_dir():
        raise InputError("--store oxigraph:PATH: not a folder", path)
    database = path / "oxigraph"
    try:
        path.mkdir(parents=True, exist_ok=True)
        held = database.is_dir() and any(database.iterdir())
    except OSError as exc:
        raise InputError(f"cannot open the Oxigraph store: {exc.strerror or exc}", path) from None
    if held and not (database / "CURRENT").is_file():
        # RocksDB would start a new, empty database over the old files: the manifest
        # would then vouch for data that is gone, and every answer would be empty.
        raise InputError(
            f"the Oxigraph store is damaged (its CURRENT file is missing); {REBUILD_HINT}",
            path,
        )
    if not held:
        # A manifest beside no database (the folder oxigraph/ removed) describes nothing:
        # dropped, so that the next load fills the new database.
        (path / MANIFEST).unlink(missing_ok=True)
    _check_tables(path, database)
    if not read_only and _held_for_reading(database):
        # RocksDB here would not see the read-only open's lock as its own, and would
        # write under it.
        raise InputError(
            "cannot open the Oxigraph store: this process has it open read-only (is "
            "another kg using it? one process at a time)",
            path,
        )
    try:
        if read_only:
            return ox.Store.read_only(str(database))
        store = ox.Store(str(database))
        _hold_for_writing(database)
        return store
    except (OSError, RuntimeError, ValueError) as exc:
        cause = _first_line(exc)
        # RocksDB's message goes on with paths and advice about its own files.
        cause = cause.split("  ")[0][:200]
        if re.search(r"\block\b", cause, re.IGNORECASE):
            raise InputError(
                f"cannot open the Oxigraph store: {cause} (is another kg using it? one "
                "process at a time)",
                path,
            ) from None
        if isinstance(exc, RuntimeError) or _DAMAGE.search(cause):
            raise InputError(
                f"the Oxigraph store is damaged ({cause}); {REBUILD_HINT}", path
            ) from None
        raise InputError(f"cannot open the Oxigraph store: {cause}", path) from None


# Store folders this process has open, by database path: [the descriptor of RocksDB's
# LOCK file, read-only opens] for one open read-only, [None, 1] for one open writable
# (RocksDB holds the LOCK then). A POSIX lock belongs to the process, and closing any
# descriptor of the file drops it: so the LOCK file is opened once per folder, and
# never while RocksDB holds it here.
_OPEN_FOLDERS: dict[str, list[Any]] = {}
_OPEN_FOLDERS_LOCK = threading.Lock()


def _hold_for_reading(database: Path) -> bool:
    """Whether this process may open ``database`` read-only: RocksDB's LOCK is taken,
    as a writable open takes it (or held already by a read-only open here), so that no
    other process writes while this one reads. False when a writer holds it, here or in
    another process, or without POSIX locks: the caller opens the folder writable, as
    always, and RocksDB says why it cannot."""
    try:
        import fcntl
    except ImportError:  # Windows
        return False
    key = str(database)
    with _OPEN_FOLDERS_LOCK:
        held = _OPEN_FOLDERS.get(key)
        if held is not None:
            if held[0] is None:
                return False
            held[1] += 1
            return True
        try:
            descriptor = os.open(database / "LOCK", os.O_RDWR)
        except OSError:
            return False
        try:
            fcntl.lockf(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(descriptor)
            return False
        _OPEN_FOLDERS[key] = [descriptor, 1]
        return True


def _held_for_reading(database: Path) -> bool:
    with _OPEN_FOLDERS_LOCK:
        held = _OPEN_FOLDERS.get(str(database))
        return held is not None and held[0] is not None


def _hold_for_writing(database: Path) -> None:
    with _OPEN_FOLDERS_LOCK:
        _OPEN_FOLDERS[str(database)] = [None, 1]


def _release(database: Path) -> None:
    """One open of ``database`` fewer; the LOCK released with the last read-only one."""
    with _OPEN_FOLDERS_LOCK:
        held = _OPEN_FOLDERS.get(str(database))
        if held is None:
            return
        held[1] -= 1
        if held[1] <= 0:
            del _OPEN_FOLDERS[str(database)]
            if held[0] is not None:
                os.close(held[0])


def _tables(database: Path, checksums: bool = False) -> dict[str, list[int]]:
    """RocksDB's table files (``*.sst``): name -> [size, modification time, change time
    (both in ns)], and with ``checksums`` their CRC-32 too."""
    found: dict[str, list[int]] = {}
    with os.scandir(database) as entries:
        tables = sorted((e for e in entries if e.name.endswith(".sst")), key=lambda e: e.name)
    for table in tables:
        try:
            stat = table.stat()
            found[table.name] = [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns]
            if checksums:
                found[table.name].append(_tables_crc(Path(table.path)))
        except FileNotFoundError:
            # RocksDB deletes the tables a compaction replaced, in the background.
            found.pop(table.name, None)
    return found


def _check_tables(path: Path, database: Path) -> None:
    """InputError when a table file differs from what the last load wrote.

    RocksDB checks a table's blocks only when a query reads them, and then Oxigraph's
    evaluator may keep the error it gets for every row it expected, without end (an
    aggregate over a garbled table grew `kg stats` past 20 GB). Checked here, with one
    ``stat`` per table; only a table whose size or times changed is read. The change
    time (ctime) cannot be set back, so a table written over with its modification
    time restored is read too; so is every table of a copy (once per command). Tables RocksDB wrote
    since the load (a compaction) are not known, and not checked; a missing table or
    one of another size RocksDB finds itself when it opens the store."""
    try:
        recorded = json.loads((path / MANIFEST).read_text(encoding="utf-8")).get("tables")
    except (OSError, ValueError, AttributeError):
        return
    if not isinstance(recorded, dict) or not recorded:
        return
    try:
        present = _tables(database)
    except OSError:
        return
    for name, (size, mtime_ns, ctime_ns) in sorted(present.items()):
        held = recorded.get(name)
        if not isinstance(held, list) or len(held) != 4:
            continue
        changed = size != held[0]
        if not changed and (mtime_ns, ctime_ns) != (held[1], held[2]):
            changed = _tables_crc(database / name) != held[3]
        if changed:
            raise InputError(
                f"the Oxigraph store is damaged (table {name} changed since it was "
                f"written); {REBUILD_HINT}",
                path,
            )


def _tables_crc(file: Path) -> int:
    """The CRC-32 of ``file``, read 1 MiB at a time."""
    import zlib

    crc = 0
    with file.open("rb") as stream:
        while block := stream.read(1 << 20):
            crc = zlib.crc32(block, crc)
    return crc


class OxigraphStore:
    """Oxigraph in memory (``path`` None) or in the folder ``path``."""

    def __init__(
        self,
        path: Path | None = None,
        *,
        policy: Policy = LOCAL,
        union_default: bool = UNION_DEFAULT_GRAPH,
    ) -> None:
        self.path = path
        self.policy = policy
        self.union_default = union_default
        self._prefixes: dict[str, str] | None = None
        self._workers: ThreadPoolExecutor | None = None
        self._workers_lock = threading.Lock()
        self._update_lock = threading.Lock()
        self._generation = 0
        self._id = next(_instances)
        self._read_only = False
        if path is None:
            self.spec = "memory"
            self._store: Any = ox.Store()
            self._loaded = False
            return
        self.spec = f"oxigraph:{path}"
        self._store = self._open(path)
        self._loaded = True

    def _open(self, path: Path) -> Any:
        """The folder opened read-only when it holds a load (see the module docstring),
        else writable; ``self._folder_hold`` lets go of it when this store is closed or
        dropped."""
        database = path / "oxigraph"
        if (path / MANIFEST).is_file() and _hold_for_reading(database):
            self._folder_hold = weakref.finalize(self, _release, database)
            try:
                store = _open_folder(path, read_only=True)
            except InputError:
                # A writable open, as before: it succeeds, or says what is wrong.
                self._folder_hold()
            else:
                self._read_only = True
                return store
        store = _open_folder(path)
        self._folder_hold = weakref.finalize(self, _release, database)
        return store

    def _writable(self) -> None:
        """The folder opened writable, if it was open read-only."""
        if not self._read_only or self.path is None:
            return
        self._store = None
        self._folder_hold()
        self._read_only = False
        self._store = _open_folder(self.path)
        self._folder_hold = weakref.finalize(self, _release, self.path / "oxigraph")

    @property
    def persistent(self) -> bool:
        return self.path is not None

    # -- loading ---------------------------------------------------------------------

    @property
    def manifest_path(self) -> Path:
        if self.path is None:
            raise KgError("a store in memory has no manifest")
        return self.path / MANIFEST

    def manifest(self) -> dict[str, Any] | None:
        """What the store holds, as recorded when it was loaded (None: nothing known)."""
        if self.path is None:
            return None
        try:
            data = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def _wanted(self, files: list[Path]) -> dict[str, Any]:
        entries = []
        for file in files:
            try:
                stat = file.stat()
            except OSError as exc:
                raise InputError(f"cannot read: {exc.strerror or exc}", file) from None
            entries.append(
                {"path": str(file.resolve()), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
            )
        return {
            "format": _MANIFEST_FORMAT,
            "pyoxigraph": getattr(ox, "__version__", "?"),
            "sources": entries,
        }

    def is_current(self, sources: Sequence[str | Path] | None = None) -> bool:
        """Whether the folder holds exactly ``sources`` as they are now on disk."""
        return self._current(self._wanted(source_files(sources)))

    def _current(self, wanted: dict[str, Any]) -> bool:
        held = self.manifest()
        if held is None:
            return False
        return all(held.get(k) == v for k, v in wanted.items())

    def load(self, sources: Sequence[str | Path] | None = None) -> None:
        """Hold ``sources`` (default: the shipped data). In a folder: nothing to do when
        it holds them unchanged, else clear it and load them all."""
        files = source_files(sources)
        if self.path is None:
            self._store.clear()
            try:
                for file in files:
                    self._load_file(file)
            except BaseException:
                self._store.clear()
                raise
            self._loaded = True
            self._generation += 1
            return
        wanted = self._wanted(files)
        if self._current(wanted):
            return
        self._writable()
        self.manifest_path.unlink(missing_ok=True)
        self._store.clear()
        try:
            for file in files:
                self._load_file(file)
            self._store.flush()
        except BaseException:
            self._store.clear()
            raise
        from kg.core.files import write_atomic

        wanted["quads"] = len(self._store)
        # Compacted now rather than in the background later: the tables recorded for
        # the check at open (``_check_tables``) are then the ones that stay.
        self._store.optimize()
        wanted["tables"] = _tables(self.path / "oxigraph", checksums=True)
        text = json.dumps(wanted, indent=2, ensure_ascii=False) + "\n"
        write_atomic(self.manifest_path, text.encode("utf-8"))
        self._generation += 1

    def _load_file(self, path: Path) -> None:
        from kg.io.sources import graph_iri_for_file, rdf_format

        fmt = rdf_format(path)
        if fmt not in _OXIGRAPH_FORMATS:
            self._load_with_rdflib(path)
            return
        quads = fmt in ("trig", "nquads")
        target = None if quads else ox.NamedNode(graph_iri_for_file(path))
        # In a folder, bulk_load (built for large loads: no transaction, RocksDB files
        # written directly); in memory, load, one transaction per file, faster for the
        # small files of a cold command (12 shipped files: 12 ms against 8 ms).
        loader = self._store.bulk_load if self.path is not None else self._store.load
        # Oxigraph's parsers stop at a UTF-8 byte-order mark (which some editors write):
        # such a file is loaded from its bytes after the mark.
        source: dict[str, Any] = {"path": str(path)}
        try:
            with path.open("rb") as opened:
                if opened.read(len(_BOM)) == _BOM:
                    source = {"input": opened.read()}
            loader(
                **source,
                format=_OXIGRAPH_FORMATS[fmt],
                # No base: a relative IRI is an error, as in kg.io.parse (NO_BASE).
                to_graph=target,
            )
        except SyntaxError as exc:
            reason = _PARSER_AT.sub("", _first_line(exc))
            if _NO_SCHEME in reason:
                from kg.io.parse import RELATIVE_HINT

                reason = f"a relative IRI and no base IRI: {RELATIVE_HINT}"
            raise InputError(f"bad {fmt} syntax: {reason}", path, exc.lineno, exc.offset) from None
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot load: {_first_line(exc)}", path) from None
        if quads:
            stray = sum(
                1 for _ in self._store.quads_for_pattern(None, None, None, ox.DefaultGraph())
            )
            if stray:
                raise InputError(
                    f"{stray} triple(s) in the default graph; "
                    "every triple of a TriG or N-Quads file must be in a named graph",
                    path,
                )

    def _load_with_rdflib(self, path: Path) -> None:
        from kg.io.parse import load_file, new_dataset

        scratch = new_dataset()
        load_file(scratch, path)
        self._store.bulk_extend(
            ox.Quad(to_ox(s), to_ox(p), to_ox(o), to_ox(g))  # type: ignore[arg-type]
            for s, p, o, g in scratch.quads((None, None, None, None))
        )

    def _ensure_loaded(self) -> None:
        if not self._loaded:
            self.load()

    # -- queries ---------------------------------------------------------------------

    def query(
        self,
        text: str,
        terms: Mapping[str, Term | Identifier] | None = None,
        *,
        dataset: DatasetSpec | None = None,
        base: str | None = None,
        limits: Limits = NO_LIMITS,
    ) -> Result:
        self._ensure_loaded()
        verdict = check_query(text, self._holds, self.policy, dataset, self.prefixes())
        if verdict.remote:
            raise Refused(
                "the Oxigraph engine never fetches graphs; FROM may only name graphs it holds"
            )
        options: dict[str, Any] = {}
        if verdict.dataset:
            options["default_graph"] = [ox.NamedNode(g) for g in verdict.dataset.default]
            options["named_graphs"] = [ox.NamedNode(g) for g in verdict.dataset.named]
        elif self.union_default:
            options["use_default_graph_as_union"] = True
        if base:
            options["base_iri"] = base
        bound = with_values(text, terms) if terms else text
        form = verdict.form

        def work() -> Result:
            try:
                answer = to_result(self._raw_query(bound, options), form, limits.max_rows)
                return in_query_order(answer, text)
            except QueryError as exc:
                # Without the frames that hold the answer: pyoxigraph's solutions must be
                # dropped on the thread that made them, not where the error is read.
                raise exc.with_traceback(None) from None

        return self._within(work, limits)

    def _raw_query(self, text: str, options: Mapping[str, Any]) -> Any:
        try:
            return self._store.query(text, prefixes=self.prefixes(), **options)
        except SyntaxError as exc:
            # Imported here: kg.sparql.parse costs a stored query's cold start (dataclasses).
            from kg.sparql.parse import syntax_error

            raise syntax_error(exc, text, self.prefixes()) from None
        except (OSError, ValueError, TypeError, RuntimeError) as exc:
            raise QueryError(f"query failed: {one_line(exc)}") from None

    def _within(self, work: Callable[[], Result], limits: Limits) -> Result:
        """``work()`` here, or in a worker with QueryTimeout at ``limits.timeout``."""
        if limits.timeout is None:
            return work()
        from concurrent.futures import ThreadPoolExecutor
        from concurrent.futures import TimeoutError as FutureTimeout

        with self._workers_lock:
            if self._workers is None:
                self._workers = ThreadPoolExecutor(
                    max_workers=WORKERS, thread_name_prefix="kg-oxigraph"
                )
            workers = self._workers
        future = workers.submit(work)
        try:
            return future.result(timeout=limits.timeout)
        except FutureTimeout:
            raise QueryTimeout("the query ran past the time limit") from None

    def native(self) -> Any:
        """The pyoxigraph Store itself, for the one consumer that reads a Store as it is:
        pyshacl-turbo (``kg.validation``)."""
        self._ensure_loaded()
        return self._store

    def _holds(self, name: str) -> bool:
        return bool(self._store.contains_named_graph(ox.NamedNode(name)))

    def prefixes(self) -> dict[str, str]:
        """The project prefixes, declared for every query as rdflib's ``initNs`` does."""
        if self._prefixes is None:
            from kg.core.prefixes import PREFIXES

            self._prefixes = dict(PREFIXES)
        return self._prefixes

    # -- updates ---------------------------------------------------------------------

    def update(
        self,
        text: str,
        *,
        using: DatasetSpec | None = None,
        base: str | None = None,
        limits: Limits = NO_LIMITS,
    ) -> None:
        check_update(text, self.policy)
        if self.persistent:
            raise Refused(
                "updates are not supported on an Oxigraph store in a folder (it mirrors "
                "its source files): change the files instead, the store reloads them"
            )
        # pyoxigraph's update takes no dataset: the protocol's using-graph-uri and
        # using-named-graph-uri become USING clauses in the text.
        text = with_using(text, using)
        self._ensure_loaded()

        def work() -> Result:
            try:
                # One call is one transaction in Oxigraph: all of it, or nothing.
                self._store.update(text, base_iri=base)
            except SyntaxError as exc:
                from kg.sparql.parse import syntax_error

                raise syntax_error(exc, text, what="SPARQL Update") from None
            except (OSError, ValueError, TypeError, RuntimeError) as exc:
                raise QueryError(f"update failed: {one_line(exc)}") from None
            return Result("ASK", boolean=True)

        with self._update_lock:
            self._within(work, limits)
            self._generation += 1

    # -- views -----------------------------------------------------------------------

    def dataset(self) -> Dataset:
        from kg.io.parse import add_quads, new_dataset

        self._ensure_loaded()
        data = new_dataset()
        add_quads(data, (_quad(q) for q in self._store))
        return data

    def prepare(self, texts: Sequence[str]) -> None:
        """Nothing to do: Oxigraph parses a query in far less time than it takes to
        look one up."""

    def graph_names(self) -> list[str]:
        self._ensure_loaded()
        return sorted(g.value for g in self._store.named_graphs())

    def graph_dumps(self) -> Iterator[tuple[str | None, bytes]]:
        """Every graph (the named graphs, then the default graph) as N-Triples written
        by Oxigraph, one graph at a time: two threads read ahead (Oxigraph serialises
        without the GIL, and a RocksDB store is read faster by two), at most a few
        graphs held at once."""
        self._ensure_loaded()
        store = self._store
        names = [*store.named_graphs(), ox.DefaultGraph()]

        def dump(name: Any) -> bytes:
            data: bytes = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=name)
            return data

        def label(name: Any) -> str | None:
            if isinstance(name, ox.DefaultGraph):
                return None
            return f"_:{name.value}" if isinstance(name, ox.BlankNode) else str(name.value)

        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="kg-dump") as pool:
            pending: deque[tuple[Any, Any]] = deque()
            for name in names:
                pending.append((name, pool.submit(dump, name)))
                if len(pending) > 4:
                    done_name, future = pending.popleft()
                    yield label(done_name), future.result()
            while pending:
                done_name, future = pending.popleft()
                yield label(done_name), future.result()

    def union_store(self) -> OxigraphStore:
        """A new store in memory holding the union of every graph in its default graph:
        what ``kg.validation`` validates, built inside Oxigraph (``union_of``)."""
        self._ensure_loaded()
        return union_of(self.graph_dumps())

    def export(self, fmt: str) -> bytes:
        """N-Quads and N-Triples written by Oxigraph (``oxigraph_lines``); the other
        formats, and data with blank nodes, through an rdflib copy."""
        from kg.io.serialise import export, exporter

        chosen = exporter(fmt)
        if fmt in _LINE_FORMATS:
            written = oxigraph_lines(self, keep_graphs=chosen.keeps_graphs)
            if written is not None:
                return written
        return export(self.dataset(), fmt)

    def version(self) -> str:
        """A string that changes whenever the store is loaded with other data or
        updated."""
        if self.path is None:
            return f"memory-{self._id}-{self._generation}"
        held = self.manifest() or {}
        digest = json.dumps(held.get("sources", []), sort_keys=True)
        import hashlib

        return hashlib.sha256(digest.encode("utf-8")).hexdigest()[:16]

    def __len__(self) -> int:
        self._ensure_loaded()
        return len(self._store)

    def close(self) -> None:
        workers = self._workers
        if workers is not None:
            self._workers = None
            workers.shutdown(wait=False, cancel_futures=True)
        store = getattr(self, "_store", None)
        if store is not None:
            self._store = None
            del store
        release = getattr(self, "_folder_hold", None)
        if release is not None:
            release()


def union_of(dumps: Iterator[tuple[str | None, bytes]]) -> OxigraphStore:
    """A store in memory holding every graph of ``dumps`` (N-Triples per graph, as
    ``KgStore.graph_dumps`` gives them) in its default graph.

    Loading N-Triples is the fastest way measured (5.4 s at 10⁶ quads, against 10.5 s
    for a CONSTRUCT of the union). Oxigraph renames blank nodes per document, so a
    graph holding one is parsed keeping its labels, which stay the same node across
    graphs."""
    union = OxigraphStore(None)
    union._loaded = True
    store = union._store
    for _, data in dumps:
        if not data:
            continue
        if b"_:" in data:  # perhaps a blank node (or those characters in a literal)
            store.extend(ox.parse(data, format=ox.RdfFormat.N_TRIPLES, rename_blank_nodes=False))
        else:
            store.load(data, format=ox.RdfFormat.N_TRIPLES, lenient=True)
    return union


def graphs_of(dumps: Iterator[tuple[str | None, bytes]]) -> OxigraphStore:
    """A store in memory holding every graph of ``dumps`` (as ``union_of`` reads them)
    in a named graph of its own, the graph without a name in the default graph: the
    data as loaded, for a check that asks which graph a triple is in."""
    graphs = OxigraphStore(None, union_default=False)
    graphs._loaded = True
    store = graphs._store
    for name, data in dumps:
        if not data:
            continue
        graph = ox.NamedNode(name) if name is not None else ox.DefaultGraph()
        if b"_:" in data:  # keep blank-node labels, as union_of does
            store.extend(
                ox.Quad(q.subject, q.predicate, q.object, graph)
                for q in ox.parse(data, format=ox.RdfFormat.N_TRIPLES, rename_blank_nodes=False)
            )
        else:
            store.load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=graph, lenient=True)
    return graphs


def to_ox(term: Node) -> Any:
    """The pyoxigraph term for an rdflib term (the inverse of ``to_term``)."""
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, URIRef):
        try:
            return ox.NamedNode(str(term))
        except ValueError:
            from kg.core.text import printable

            shown = printable(str(term))[:120]
            raise InputError(f"not an IRI Oxigraph accepts: <{shown}>") from None
    if isinstance(term, BNode):
        try:
            return ox.BlankNode(str(term))
        except ValueError:
            # rdflib keeps labels no RDF syntax allows ("{b1", from a JSON-LD "_:{b1"); a
            # label means nothing outside its document, so the same label gives the same
            # node and no other.
            import hashlib

            digest = hashlib.sha256(str(term).encode("utf-8")).hexdigest()[:32]
            return ox.BlankNode(f"kg{digest}")
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

    if term == DATASET_DEFAULT_GRAPH_ID:
        return ox.DefaultGraph()
    raise KgError(f"cannot put {term!r} into an Oxigraph store")


def to_term(value: Any) -> Node:
    """The rdflib term for a pyoxigraph term (an ``xsd:string`` literal is simple)."""
    from rdflib import BNode, Literal, URIRef

    if isinstance(value, ox.NamedNode):
        return URIRef(value.value)
    if isinstance(value, ox.BlankNode):
        return BNode(value.value)
    if isinstance(value, ox.Literal):
        if value.language:
            return Literal(value.value, lang=value.language)
        if value.datatype.value == XSD_STRING:
            return Literal(value.value)
        return Literal(value.value, datatype=URIRef(value.datatype.value))
    if isinstance(value, ox.DefaultGraph):
        from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

        return DATASET_DEFAULT_GRAPH_ID
    raise QueryError(f"the answer holds {value!r}, which kg cannot show (RDF 1.2 triple terms)")


def _quad(q: Any) -> tuple[Node, Node, Node, Node]:
    return (to_term(q.subject), to_term(q.predicate), to_term(q.object), to_term(q.graph_name))


def term_of(value: Any) -> Term:
    """The Term for a pyoxigraph term of an answer: an ``xsd:string`` literal is simple,
    a typed literal has the lexical form rdflib gives it (``kg.sparql.terms.lexical``)."""
    if isinstance(value, ox.NamedNode):
        return Term("uri", value.value)
    if isinstance(value, ox.BlankNode):
        return Term("bnode", value.value)
    if isinstance(value, ox.Literal):
        if value.language:
            return Term(LITERAL, value.value, None, value.language)
        datatype = value.datatype.value
        if datatype == XSD_STRING:
            return Term(LITERAL, value.value)
        return Term(LITERAL, lexical(value.value, datatype), datatype)
    raise QueryError(f"the answer holds {value!r}, which kg cannot show (RDF 1.2 triple terms)")


def to_result(answer: Any, form: str = "SELECT", max_rows: int | None = None) -> Result:
    """A Result from a pyoxigraph answer to a ``form`` query; TooManyRows at the first
    row (or triple) over ``max_rows``. A table holds Terms (``term_of``)."""
    if isinstance(answer, ox.QueryBoolean):
        return Result("ASK", boolean=bool(answer))
    if isinstance(answer, ox.QuerySolutions):
        variables = [v.value for v in answer.variables]
        rows: list[Row] = []
        # Answers repeat their terms (labels, classes, graphs): each is converted once.
        seen: dict[Any, Term] = {}
        for solution in answer:
            if max_rows is not None and len(rows) >= max_rows:
                raise TooManyRows(cap_message(max_rows, "rows"))
            row: Row = {}
            for name in variables:
                value = solution[name]
                if value is not None:
                    term = seen.get(value)
                    if term is None:
                        term = seen[value] = term_of(value)
                    row[name] = term
            rows.append(row)
        return Result("SELECT", variables, solutions=rows)
    from rdflib import Graph

    from kg.core.namespaces import bind_all

    graph = Graph()
    bind_all(graph)
    # Oxigraph leaves out what SPARQL 1.1 §16.2.1 says to (a literal subject, a predicate
    # that is not an IRI, an unbound variable): a pyoxigraph Triple cannot hold them.
    # The cap counts distinct triples, as the graph holds them and the other engines count.
    for triple in answer:
        graph.add((to_term(triple.subject), to_term(triple.predicate), to_term(triple.object)))
        if max_rows is not None and len(graph) > max_rows:
            raise TooManyRows(cap_message(max_rows, "triples"))
    return Result(form if form in ("CONSTRUCT", "DESCRIBE") else "CONSTRUCT", graph=graph)


# -- N-Quads and N-Triples written by Oxigraph ---------------------------------------------

#: The formats ``export`` writes without an rdflib copy.
_LINE_FORMATS = ("nquads", "nt")
# An escape Oxigraph writes and rdflib does not (rdflib leaves tabs, backspaces, form
# feeds and other control characters raw, and escapes only \\, \n, \" and \r, as
# Oxigraph does): a backslash not itself escaped, then t, b, f, u or U.
_OXIGRAPH_ONLY_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\[btfuU]")
#: The datatypes whose lexical forms rdflib may rewrite (it knows XSD's and RDF's; it
#: writes another datatype's literal as it reads it, as Oxigraph does): the gazetteer's
#: 14,000 WKT points are written without a round trip through rdflib.
_NORMALISED_BY_RDFLIB = re.compile(
    rb'"\^\^<http://www\.w3\.org/(?:2001/XMLSchema#|1999/02/22-rdf-syntax-ns#)'
)


def oxigraph_lines(store: OxigraphStore, keep_graphs: bool) -> bytes | None:
    """The N-Quads (``keep_graphs``) or N-Triples lines of ``store``, written by
    Oxigraph graph by graph and sorted: byte for byte what ``kg.io.serialise.export``
    writes from ``store.dataset()``; None when the store holds a blank node (or the
    characters ``_:`` anywhere), which the caller exports through rdflib."""
    return canonical_lines(store.graph_dumps(), keep_graphs)


def canonical_lines(dumps: Iterable[tuple[str | None, bytes]], keep_graphs: bool) -> bytes | None:
    """The N-Quads (``keep_graphs``) or N-Triples lines of the graphs ``dumps`` holds
    (``KgStore.graph_dumps``, any engine's), sorted, as ``kg.io.serialise.export``
    writes them; None when they hold a blank node (or the characters ``_:``).

    Oxigraph and rdflib write IRIs, language tags and simple literals alike. They differ
    in typed literals (rdflib reads Oxigraph's canonical form and writes its own:
    ``"1E7"^^xsd:double`` as ``"10000000.0"``, a ``Z`` date without it) and in escapes
    (Oxigraph escapes tabs and control characters, rdflib writes them raw): a line with
    either gets its literal as rdflib writes it, computed once per distinct literal with
    the same functions as the rdflib path. UTF-8 bytes sort as their code points, so the
    byte order is rdflib's string order. The default graph is left out, as
    ``canonical_quads`` leaves it out; Oxigraph holds no IRI that the serialiser would
    refuse (it rejects them on load).
    """
    from rdflib.plugins.serializers.nt import _quoteLiteral

    from kg.io.serialise import xsd_lexical

    converted: dict[bytes, bytes] = {}

    def literal(text: bytes) -> bytes:
        found = converted.get(text)
        if found is None:
            line = b"<urn:x-kg:s> <urn:x-kg:p> " + text + b" ."
            parsed = next(iter(ox.parse(line, format=ox.RdfFormat.N_TRIPLES)))
            term = xsd_lexical(to_term(parsed.object))
            found = converted[text] = _quoteLiteral(term).encode("utf-8", "replace")  # type: ignore[arg-type]
        return found

    lines: set[bytes] = set()
    for name, data in dumps:
        if name is None:
            continue
        if name.startswith("_:") or b"_:" in data:
            return None
        suffix = b" <" + name.encode("utf-8") + b"> ." if keep_graphs else b" ."
        for line in data.split(b"\n"):
            if not line:
                continue
            body = line[:-2]  # "<s> <p> o", without " ."
            # No IRI holds a quote, "^^<" or a backslash: only a literal object can need
            # rewriting, and only if it has a datatype or an escape (tested in C first).
            if (b"^^<" in body or b"\\" in body) and b'"' in body:
                start = body.index(b"> ", body.index(b"> ") + 2) + 2
                value = body[start:]
                if _NORMALISED_BY_RDFLIB.search(value) or _OXIGRAPH_ONLY_ESCAPE.search(value):
                    body = body[:start] + literal(value)
            lines.add(body + suffix)
        del data
    if not lines:
        return b""
    return b"\n".join(sorted(lines)) + b"\n"


def dataset_of_dumps(dumps: Iterable[tuple[str | None, bytes]]) -> Dataset:
    """The graphs ``dumps`` holds (``KgStore.graph_dumps``, any engine's) as an rdflib
    Dataset, each term converted as ``OxigraphStore.dataset`` converts it."""
    from kg.io.parse import add_quads, new_dataset

    data = new_dataset()
    for name, dump in dumps:
        graph = (
            ox.DefaultGraph()
            if name is None
            else ox.BlankNode(name[2:])
            if name.startswith("_:")
            else ox.NamedNode(name)
        )
        add_quads(
            data,
            (
                (to_term(t.subject), to_term(t.predicate), to_term(t.object), to_term(graph))
                for t in ox.parse(dump, format=ox.RdfFormat.N_TRIPLES)
            ),
        )
    return data
