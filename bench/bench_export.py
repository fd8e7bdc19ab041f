"""The national data standard export of the whole district (issue 14: 100,000 volunteers,
1,000,000 service lines; requirement < 2 min and < 500 MB, streamed), and a certificate for
a volunteer with 5,000 lines (requirement < 2 s).

Each export runs in its own process, so its peak resident memory (ru_maxrss, Django and the
interpreter included) is its own: the JSON export streamed to /dev/null as the response would
send it, and the Excel export written (openpyxl write-only) to a temporary file. Baseline in
the same run: a raw dump, `SELECT` of the volunteer and ledger tables' rows through the
database cursor, fetched in chunks and thrown away (the least any export must read). The
certificate: 5,000 approved lines inserted for one volunteer inside a transaction rolled back
afterwards, then the certificate issued with every part and its PDF rendered, timed together
(after the CJK font is registered, as a running server has it; the one-off load is printed).

    .venv/bin/python bench/bench_export.py [--db sqlite|postgresql] [--var-dir DIR]
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Database, district_main, load, python  # noqa: E402

LIMIT_S = 120.0
LIMIT_MB = 500.0
CERT_LIMIT_S = 2.0

PEAK = r"""
import resource, sys
def peak_mb():
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024 if sys.platform != "darwin" else kb / 1024 / 1024
"""

JSON_EXPORT = PEAK + r"""
import json, time
from wenming.orgs.models import OrgNode
from wenming.records.national import json_chunks
center = OrgNode.objects.filter(kind="center").order_by("pk").first()
started = time.perf_counter()
size = 0
with open("/dev/null", "wb") as sink:
    for chunk in json_chunks(center):
        data = chunk.encode()
        size += len(data)
        sink.write(data)
print(json.dumps({"s": time.perf_counter() - started, "mb": peak_mb(), "bytes": size}))
"""

XLSX_EXPORT = PEAK + r"""
import json, os, time
from wenming.orgs.models import OrgNode
from wenming.records.national import xlsx_file
center = OrgNode.objects.filter(kind="center").order_by("pk").first()
started = time.perf_counter()
f = xlsx_file(center)
size = os.fstat(f.fileno()).st_size
f.close()
print(json.dumps({"s": time.perf_counter() - started, "mb": peak_mb(), "bytes": size}))
"""

RAW_DUMP = PEAK + r"""
import json, time
from django.db import connection
from wenming.activities.models import ServiceRecord
from wenming.people.models import Volunteer
started = time.perf_counter()
rows = 0
for model in (Volunteer, ServiceRecord):
    with connection.cursor() as c:
        c.execute(f"SELECT * FROM {model._meta.db_table}")
        while batch := c.fetchmany(5000):
            rows += len(batch)
print(json.dumps({"s": time.perf_counter() - started, "mb": peak_mb(), "rows": rows}))
"""

CERTIFICATE = r"""
import datetime, json, time
from decimal import Decimal
from django.db import transaction
from wenming.activities.models import ServiceRecord
from wenming.activities.services import records_bulk_import
from wenming.activities.certificates import render_certificate_pdf
from wenming.people.models import Volunteer
from wenming.records.certificates import certificate_with_parts
from wenming.records.models import PARTS

class RolledBack(Exception):
    pass

volunteer = Volunteer.objects.select_related("user", "station").order_by("pk").first()
start = datetime.date(2010, 1, 1)
rows = [{"volunteer_id": volunteer.pk, "org_id": volunteer.station_id, "kind": "backfill",
         "title": f"社区志愿服务第{n}次", "place": "社区活动中心", "content": "",
         "leader_name": "李四", "service_date": start + datetime.timedelta(days=n),
         "hours": Decimal("2.00"), "status": "approved", "reason": "",
         "needs_parent_approval": False, "late": False} for n in range(5000)]
try:
    with transaction.atomic():
        records_bulk_import(rows=rows)
        lines = ServiceRecord.objects.filter(volunteer=volunteer, status="approved").count()
        # A server parses the CJK font once, at its first certificate: timed apart.
        from wenming.activities.certificates import cjk_font
        font_s = time.perf_counter()
        cjk_font()
        font_s = time.perf_counter() - font_s
        started, cpu = time.perf_counter(), time.process_time()
        cert = certificate_with_parts(by=volunteer.user, volunteer=volunteer, parts=PARTS)
        pdf = render_certificate_pdf(cert, "https://example.org/verify/" + cert.code)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        raise RolledBack
except RolledBack:
    pass
print(json.dumps({"s": seconds, "cpu_s": cpu, "lines": lines, "pdf_bytes": len(pdf),
                  "font_s": font_s}))
"""


def _measure(db: Database, code: str) -> dict:
    return json.loads(python(db, code).strip().splitlines()[-1])


def run(db: Database) -> dict:
    raw = _measure(db, RAW_DUMP)
    as_json = _measure(db, JSON_EXPORT)
    as_xlsx = _measure(db, XLSX_EXPORT)
    cert = _measure(db, CERTIFICATE)
    ok = (max(as_json["s"], as_xlsx["s"]) < LIMIT_S
          and max(as_json["mb"], as_xlsx["mb"]) < LIMIT_MB and cert["s"] < CERT_LIMIT_S)
    print(f"[export] {db.describe()}; {raw['rows']:,} volunteer and ledger rows; {load()}")
    for name, m in (("national export, JSON (streamed)", as_json),
                    ("national export, Excel (write-only)", as_xlsx)):
        print(f"  {name:<36}: {m['s']:6.1f} s, peak {m['mb']:5.0f} MB, "
              f"{m['bytes'] / 2**20:6.0f} MiB  ({m['s'] / raw['s']:.1f}x the raw dump)")
    print(f"  baseline raw dump (cursor, chunks)  : {raw['s']:6.1f} s, peak {raw['mb']:5.0f} MB")
    print(f"  requirement < {LIMIT_S:.0f} s, < {LIMIT_MB:.0f} MB: "
          f"{'PASS' if ok else 'FAIL'}")
    print(f"  certificate, {cert['lines']:,} lines, all parts, PDF: {cert['s']:.2f} s "
          f"(CPU {cert['cpu_s']:.2f} s; < {CERT_LIMIT_S:.0f} s; the font's one-off load "
          f"before it {cert['font_s']:.2f} s), "
          f"{cert['pdf_bytes'] / 2**20:.1f} MiB", flush=True)
    figure = (f"national export JSON {as_json['s']:.0f} s / {as_json['mb']:.0f} MB, Excel "
              f"{as_xlsx['s']:.0f} s / {as_xlsx['mb']:.0f} MB (< 120 s, < 500 MB), "
              f"{as_json['s'] / raw['s']:.1f}x a raw dump; certificate of {cert['lines']:,} "
              f"lines {cert['s']:.2f} s (< 2 s)")
    return {"bench": "export", "database": db.describe(), "json": as_json, "xlsx": as_xlsx,
            "raw": raw, "certificate": cert, "figure": figure, "pass": ok}


def main() -> None:
    district_main(__doc__, lambda db, _args: run(db))


if __name__ == "__main__":
    main()
