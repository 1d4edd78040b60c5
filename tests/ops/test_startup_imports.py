"""A worker or web process that starts does not load the heavy libraries of rare work.

ReportLab, segno and Pillow (the PDFs), PyLD and requests (canonicalizing a credential) and
pypinyin (a name saved) together held about 85 MB in every process that merely imported the
apps' public faces, as the reminder sweeps' worker does. They load with their first use.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("reportlab", "segno", "PIL", "pyld", "requests", "pypinyin")

SCRIPT = """
import json, sys
import django
django.setup()
from academy.notifications.sweeps import all_sweeps
import academy.people.services, courses.services, exams.services, certificates.services
import talent.selectors
all_sweeps()
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def test_the_apps_and_their_sweeps_load_without_the_heavy_libraries():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "academy.settings.test"}
    out = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True, timeout=120)
    loaded = set(json.loads(out.stdout.strip().splitlines()[-1]))
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))


def test_a_name_is_put_in_pinyin_without_the_phrase_dictionary():
    script = ("import django; django.setup(); import sys\n"
              "from academy.people.names import name_pinyin\n"
              "print(name_pinyin('李 Lee'), 'pypinyin.phrases_dict' in sys.modules)")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "academy.settings.test"}
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True, timeout=120)
    assert out.stdout.strip().splitlines()[-1] == "('lilee', 'll') False"
