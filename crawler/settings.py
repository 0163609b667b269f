"""Scrapy settings for newswatch, built from the settings catalogue (``common.settings``).

``scrapy crawl news`` (via scrapy.cfg) and ``newswatch crawl`` both load this module, so
both crawls behave the same. Environment variables are documented in README.md.
"""

from common.settings import get_settings

_s = get_settings()

BOT_NAME = "newswatch"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

USER_AGENT = _s.user_agent
ROBOTSTXT_OBEY = True
ROBOTSTXT_USER_AGENT = "newswatch"

CONCURRENT_REQUESTS = _s.concurrent_requests
CONCURRENT_REQUESTS_PER_DOMAIN = _s.concurrency_per_domain
# Scrapy starts this many asyncio tasks for every response's output; an article page yields
# one item and a listing page a few dozen requests, so the default 100 only burns reactor CPU.
CONCURRENT_ITEMS = 16
DOWNLOAD_DELAY = _s.download_delay
DOWNLOAD_DELAY_JITTER = 0.5  # each delay drawn from 0.5-1.5 x DOWNLOAD_DELAY (was RANDOMIZE_DOWNLOAD_DELAY)
AUTOTHROTTLE_ENABLED = _s.autothrottle
AUTOTHROTTLE_START_DELAY = max(_s.download_delay, 0.5)
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = float(_s.concurrency_per_domain)

DOWNLOAD_TIMEOUT = _s.download_timeout
DOWNLOAD_MAXSIZE = _s.max_response_bytes
DOWNLOAD_WARNSIZE = _s.max_response_bytes // 2
DNS_TIMEOUT = 20
REDIRECT_MAX_TIMES = 6

RETRY_ENABLED = True
RETRY_TIMES = _s.retry_times
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
NEWSWATCH_RETRY_BACKOFF_BASE = _s.retry_backoff_base  # seconds; doubled on each retry, with jitter
NEWSWATCH_RETRY_BACKOFF_MAX = _s.retry_backoff_max  # cap on backoff and on an honoured Retry-After

DOWNLOADER_MIDDLEWARES = {
    # first: a host found dead in this run (DNS failure, refused) is not looked up or fetched again
    "crawler.middlewares.UnreachableHostMiddleware": 40,
    # before robots.txt (100): no request, not even for robots.txt, reaches a refused address
    "crawler.middlewares.PrivateAddressMiddleware": 50,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "crawler.middlewares.LoopAwareRedirectMiddleware": 600,
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.middlewares.OutletMetaRefreshMiddleware": 580,
    "crawler.conditional.ConditionalGetMiddleware": 950,  # poll mode only (newswatch watch)
}
ITEM_PIPELINES = {
    "pipelines.extract_stage.ExtractPipeline": 100,
    "pipelines.store_stage.StorePipeline": 500,
}
REMOTE_CONTROL_ENABLED = False  # no control port opened by a news crawler
TELNETCONSOLE_ENABLED = False
EXTENSIONS = {
    "scrapy.extensions.telnet.TelnetConsole": None,
    "crawler.recorder.CrawlRecorder": 100,
}

NEWSWATCH_DATABASE_URL = _s.resolved_database_url
NEWSWATCH_STORE_BATCH = _s.store_batch
NEWSWATCH_SOURCES_FILE = str(_s.resolved_sources_file)
NEWSWATCH_RULES_DIR = str(_s.resolved_rules_dir)
NEWSWATCH_CRAWL_DAYS = _s.crawl_days
NEWSWATCH_MAX_PAGES_PER_OUTLET = _s.max_pages_per_outlet
NEWSWATCH_EXTRACT_WORKERS = _s.extract_workers
NEWSWATCH_ALLOW_PRIVATE_HOSTS = _s.allow_private_hosts

LOG_LEVEL = _s.log_level.upper()
LOGSTATS_INTERVAL = 15.0
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
LOG_FORMATTER = "crawler.logformatter.NewswatchLogFormatter"

if _s.redis_url:  # several workers share one frontier (see crawler/redis_frontier.py)
    from crawler.redis_frontier import redis_settings

    globals().update(redis_settings(_s.redis_url, _s.redis_seen_ttl, _s.redis_lease, _s.redis_idle_seconds,
                                    _s.redis_key_prefix))
    EXTENSIONS["crawler.redis_frontier.RedisFrontierExtension"] = 200
