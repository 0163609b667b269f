"""The match stage: topic rules (``config/rules``) -> flagged articles with reasons, and stories.

``engine`` is the pure core (article in, matches out); ``stories`` groups near-duplicates;
``store`` is the thin database side the crawl pipeline and ``rematch`` call.
"""
