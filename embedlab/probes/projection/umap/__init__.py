"""UMAP (McInnes, Healy & Melville 2018), our own numba code: the fuzzy graph (:mod:`.graph`), the layout
optimiser (:mod:`.layout`), numba's disk cache for umap-learn and pynndescent (:mod:`.numba_cache`) and
the warm-up that compiles it all before a user's first UMAP (:mod:`.warmup`)."""
