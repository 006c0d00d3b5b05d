"""Pelican settings for development builds (`make html`).

`python -m pipeline build` passes PATH (the content folder) and OUTPUT_PATH and the GONGSHI_*
values on top of these, so the same file serves every build.
"""

import os

AUTHOR = "胶州市司法局"
SITENAME = "胶州市行政执法公示平台"
SITEURL = ""
RELATIVE_URLS = False
TIMEZONE = "Asia/Shanghai"
DEFAULT_LANG = "zh-CN"

PATH = "content"
THEME = "theme"
PLUGIN_PATHS = ["plugins"]
PLUGINS = ["gongshi"]

# Data site: no reader claims the YAML, no blog machinery, no static copy of content/.
READERS = {"yaml": None}
ARTICLE_PATHS = []
PAGE_PATHS = []
STATIC_PATHS = []
DIRECT_TEMPLATES = []
PAGINATED_TEMPLATES = {}
DISPLAY_PAGES_ON_MENU = False
DISPLAY_CATEGORIES_ON_MENU = False
ARCHIVES_SAVE_AS = AUTHORS_SAVE_AS = CATEGORIES_SAVE_AS = TAGS_SAVE_AS = ""
AUTHOR_SAVE_AS = CATEGORY_SAVE_AS = TAG_SAVE_AS = ""
DELETE_OUTPUT_DIRECTORY = True
OUTPUT_RETENTION = []
LOAD_CONTENT_CACHE = False

# Feeds off in development; publishconf.py turns them on (our own Atom generator).
FEED_ALL_ATOM = None
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
GONGSHI_FEEDS = False

# Every data field is escaped; only pipeline-made HTML may be marked safe (markupsafe.Markup).
JINJA_ENVIRONMENT = {
    "trim_blocks": True,
    "lstrip_blocks": True,
    "extensions": [],
    "autoescape": True,
}

# Where the official law texts are read from (input data, never copied into the repo).
GONGSHI_LAWS_DIR = os.environ.get(
    "GONGSHI_LAWS_DIR",
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "shared", "laws"),
)
