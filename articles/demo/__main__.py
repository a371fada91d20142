from articles.demo import FEED_PATH, build_feed

FEED_PATH.write_text(build_feed(), encoding="utf-8")
print(f"Wrote {FEED_PATH}")
