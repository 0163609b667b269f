"""Custom Scrapy signals of newswatch."""

# Sent with outlet, url, kind, message whenever something goes wrong that a user should see
# (HTTP error, timeout, broken feed, oversized or binary response, empty extraction).
crawl_error = object()
