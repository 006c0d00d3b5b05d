"""Production settings (`python -m pipeline publish`): absolute URLs and feeds on."""

import os
import sys

sys.path.append(os.curdir)
from pelicanconf import *  # noqa: E402,F401,F403

SITEURL = os.environ.get("GONGSHI_SITEURL", "https://zfgs.jiaozhou.gov.cn")
RELATIVE_URLS = False
GONGSHI_FEEDS = True
DELETE_OUTPUT_DIRECTORY = True
