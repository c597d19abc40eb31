"""Who runs the model-holding stage of a run: this process, a local process pool, or a Ray cluster.

`Pipeline.plan` does what depends on order in the calling process (cleaning, the repost filter), and
yields batches of cleaned documents; an engine runs `Pipeline.run_batch` over those batches and gives
back the results *in input order*, with the items `plan` yielded as they are in their places. The caller
(`cli.process_into_store`) is the one writer of the store, so ids and stored rows do not depend on the
engine.

- `local`: `run_batch` in this process (the default).
- `process`: a `ProcessPoolExecutor` of `workers` processes started with `forkserver` (never `fork`:
  the caller runs Rich's refresh thread and SQLAlchemy's pool, and forking a threaded process can
  deadlock); each builds its Pipeline once, in the pool's initializer.
- `ray`: the same stage as a Ray Data pipeline (`from_items` -> `map_batches` with an actor pool of
  `workers` actors, a callable class that builds the Pipeline once per actor), against `ray_address`
  or a local cluster started with `num_cpus=workers`, no dashboard.

At most `lookahead` batches are in flight (process) or in one Ray Data window (ray), so memory stays
flat however long the input; a Ray window starts its actors anew (the model is loaded once per window),
and its results are written as they come, in order.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from .models import DocumentResult, IngestFailure
from .pipeline import Pipeline, PipelineSpec, Prepared, document_failure

ENGINES = ("local", "process", "ray")
RAY_WINDOW_BATCHES = 256  # batches per Ray Data window: 4,096 documents at the default batch size

Item = DocumentResult | IngestFailure | list[Prepared]
Output = DocumentResult | IngestFailure


class EngineError(RuntimeError):
    """An engine could not start (its message says why and what to do)."""


class LocalEngine:
    name = "local"

    def __init__(self, pipeline: Pipeline):
        self.pipeline = pipeline
        self.workers = 1

    def run(self, plan: Iterable[Item]) -> Iterator[Output]:
        for item in plan:
            if isinstance(item, list):
                yield from self.pipeline.run_batch(item)
            else:
                yield item

    def close(self) -> None:
        pass


# -- process pool -------------------------------------------------------------------------------

_worker_pipeline: Pipeline | None = None
_worker_error: str | None = None


def _init_worker(spec: PipelineSpec) -> None:
    """Runs once in each worker: load the pack and spaCy (kept for every batch it runs; the sentence
    classifier, as in one process, is loaded if and when a sentence needs it)."""
    global _worker_pipeline, _worker_error
    try:
        _worker_pipeline = Pipeline.from_spec(spec)
    except Exception as exc:  # noqa: BLE001 - reported by _probe, in the parent, with its message
        _worker_error = f"{type(exc).__name__}: {exc}"


def _probe() -> str | None:
    return _worker_error


def _run_batch(batch: list[Prepared]) -> list[Output]:
    if _worker_pipeline is None:  # this worker's initializer failed (the probe may have asked another one)
        raise RuntimeError(f"the worker could not load the pipeline: {_worker_error}")
    return _worker_pipeline.run_batch(batch)


class ProcessEngine:
    name = "process"

    def __init__(self, pipeline: Pipeline, workers: int, lookahead: int | None = None):
        if workers < 1:
            raise EngineError("--workers must be at least 1")
        self.spec = pipeline.spec
        self.workers = workers
        self.lookahead = lookahead or 2 * workers  # enough to keep every worker busy while one batch is saved
        self._pool = self._start()

    def _start(self) -> ProcessPoolExecutor:
        pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("forkserver"),
                                   initializer=_init_worker, initargs=(self.spec,))
        try:
            problems = {f.result() for f in [pool.submit(_probe) for _ in range(self.workers)]} - {None}
        except BrokenProcessPool as exc:
            pool.shutdown(cancel_futures=True)
            raise EngineError(f"the worker processes could not start ({exc})") from exc
        if problems:
            pool.shutdown(cancel_futures=True)
            raise EngineError(f"a worker could not load the pipeline: {sorted(problems)[0]}")
        return pool

    def run(self, plan: Iterable[Item]) -> Iterator[Output]:
        pending: deque[tuple[Item, Future | None]] = deque()
        in_flight = 0
        for item in plan:
            if isinstance(item, list):
                pending.append((item, self._pool.submit(_run_batch, item)))
                in_flight += 1
            else:
                pending.append((item, None))
            while in_flight >= self.lookahead or (pending and pending[0][1] is None):
                done, future = pending.popleft()
                if future is not None:
                    in_flight -= 1
                yield from self._outcome(done, future)
        while pending:
            yield from self._outcome(*pending.popleft())

    def _outcome(self, item: Item, future: Future | None) -> list[Output]:
        if future is None:
            return [item]
        try:
            return future.result()
        except BrokenProcessPool as exc:
            # a worker died (killed, out of memory): its batch fails, a new pool takes the rest
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = self._start()
            return [document_failure(p.document, "annotate/extract (worker process died)", exc) for p in item]
        except Exception as exc:  # noqa: BLE001 - e.g. a result that cannot be pickled back
            return [document_failure(p.document, "annotate/extract", exc) for p in item]

    def close(self) -> None:
        self._pool.shutdown(cancel_futures=True)


# -- Ray ------------------------------------------------------------------------------------------

class _RayStage:
    """The model-holding stage as a Ray Data callable class: one Pipeline per actor."""

    def __init__(self, spec: PipelineSpec):
        self.pipeline = Pipeline.from_spec(spec)

    def __call__(self, rows: dict) -> dict:
        # batches of documents travel pickled: Arrow has no column type for our records
        out = [pickle.dumps(self.pipeline.run_batch(pickle.loads(payload))) for payload in rows["payload"]]
        return {"i": rows["i"], "payload": out}


class RayEngine:
    name = "ray"

    def __init__(self, pipeline: Pipeline, workers: int, address: str | None = None,
                 window: int = RAY_WINDOW_BATCHES):
        if workers < 1:
            raise EngineError("--workers must be at least 1")
        try:
            import ray
            import ray.data
        except ImportError as exc:
            raise EngineError(f"--engine ray needs Ray (pip install 'ray[data]', pinned in requirements.lock): {exc}") from exc
        self.spec = pipeline.spec
        self.workers = workers
        self.window = window
        self._ray = ray
        self._started = False
        if not ray.is_initialized():
            kwargs = dict(include_dashboard=False, logging_level=logging.ERROR, log_to_driver=False)
            try:
                if address:
                    ray.init(address=address, **kwargs)
                else:
                    ray.init(num_cpus=workers, **kwargs)
            except Exception as exc:  # noqa: BLE001 - say which cluster and why
                raise EngineError(f"could not connect to Ray at {address or 'a new local cluster'}: {exc}") from exc
            self._started = True
        for name in ("ray", "ray.data"):  # Ray's notices would interleave with the progress bar
            logging.getLogger(name).setLevel(logging.ERROR)
        ctx = ray.data.DataContext.get_current()
        ctx.enable_progress_bars = False
        ctx.execution_options.preserve_order = True

    def _map(self, batches: list[list[Prepared]]) -> Iterator[list[Output]]:
        """Each batch's results, in order, as Ray Data hands them over (writes need not wait for the window)."""
        # one block per batch, so that every actor gets work (one block would go to one actor)
        ds = self._ray.data.from_items([{"i": i, "payload": pickle.dumps(b)} for i, b in enumerate(batches)],
                                       override_num_blocks=len(batches))
        ds = ds.map_batches(_RayStage, fn_constructor_args=(self.spec,), batch_size=1, batch_format="numpy",
                            compute=self._ray.data.ActorPoolStrategy(size=min(self.workers, len(batches))))
        waiting: dict[int, list[Output]] = {}  # preserve_order is set; this only guards the order
        following = 0
        for row in ds.iter_rows():
            waiting[int(row["i"])] = pickle.loads(row["payload"])
            while following in waiting:
                yield waiting.pop(following)
                following += 1

    def run(self, plan: Iterable[Item]) -> Iterator[Output]:
        window: list[Item] = []
        n_batches = 0
        for item in plan:
            window.append(item)
            if isinstance(item, list):
                n_batches += 1
            if n_batches >= self.window:
                yield from self._flush(window)
                window, n_batches = [], 0
        yield from self._flush(window)

    def _flush(self, window: list[Item]) -> Iterator[Output]:
        batches = [item for item in window if isinstance(item, list)]
        results = self._map(batches) if batches else iter(())
        failed: Exception | None = None
        for item in window:
            if not isinstance(item, list):
                yield item
                continue
            outputs = None
            if failed is None:
                try:
                    outputs = next(results)
                except Exception as exc:  # noqa: BLE001 - an actor or the cluster failed: the rest of the window fails
                    failed = exc
            yield from outputs if outputs is not None else (
                document_failure(p.document, "annotate/extract (Ray)", failed) for p in item)

    def close(self) -> None:
        if self._started:
            self._ray.shutdown()


def make_engine(name: str, pipeline: Pipeline, *, workers: int | None = None, ray_address: str | None = None):
    """The engine called `name` (one of ENGINES); workers default to the CPUs this process may use."""
    if name not in ENGINES:
        raise EngineError(f"unknown engine {name!r} (use one of: {', '.join(ENGINES)})")
    if name == "local":
        return LocalEngine(pipeline)
    n = workers or len(os.sched_getaffinity(0))
    if name == "process":
        return ProcessEngine(pipeline, n)
    return RayEngine(pipeline, n, ray_address)
