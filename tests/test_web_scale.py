"""The workbench's views in headless Chromium on a store of 100,000 events: shifted copies of the
events the real pipeline extracts from the seeds, one demo record and an injection document
(`frontlines bench synth-store`, `frontlines.synth`). The view tests of test_web.py, run here again on
that store: the app loads, clusters, constant symbol sizes on zoom, a governorate click, a brush that
narrows everything alike, a reload that restores the view, country-level events never drawn as points."""
from __future__ import annotations

import pytest

from test_web import (  # noqa: F401  (collected here again, with this module's `env`)
    serve,
    test_brush_filters_map_table_timeline_network_and_csv_alike,
    test_click_a_governorate_zooms_to_it,
    test_country_level_event_is_not_a_point,
    test_main_view_has_clusters_in_idlib_and_stays_offline,
    test_reload_restores_the_view_from_the_url,
    test_zoom_keeps_symbols_and_labels_the_same_size_on_screen,
)

pytestmark = pytest.mark.slow

N_EVENTS = 100_000


@pytest.fixture(scope="module")
def env(tmp_path_factory, request):
    from frontlines.pack import load_pack
    from frontlines.store import Store
    from frontlines.synth import synth_store

    small = request.getfixturevalue("small_store")
    big = tmp_path_factory.mktemp("web-scale") / "big.db"
    report = synth_store(small, big, N_EVENTS, seed=0, pack=load_pack("syria"))
    assert report["events"] == N_EVENTS
    store = Store(big)
    with serve(store) as env:
        yield {**env, "store": store}
    store.close()


@pytest.fixture(scope="module")
def small_store(tmp_path_factory):
    """The seeds, the demo record and the injection document, as test_web.py's store."""
    import test_web

    from frontlines.cli import process_into_store
    from frontlines.pipeline import Pipeline
    from frontlines.store import Store

    tmp = tmp_path_factory.mktemp("web-small")
    path = tmp / "small.db"
    store = Store(path)
    pipeline = Pipeline("syria")
    for f in test_web.fixture_inputs(tmp):
        process_into_store([str(f)], store, pipeline, quiet=True)
    store.close()
    return path
