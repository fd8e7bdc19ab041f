"""`wenming demo --size small|district`: load the deterministic demo district (idempotent)."""

from django.core.management.base import BaseCommand

from wenming.demo import data
from wenming.demo.plan import SIZES
from wenming.demo.services import demo_create


class Command(BaseCommand):
    help = "载入演示区（海淀区）：small 供试用；district 为基准规模（10万志愿者）。已存在则不做改动。"

    def add_arguments(self, parser):
        parser.add_argument("--size", choices=list(SIZES), default="small")
        parser.add_argument("--no-progress", action="store_true", help="不显示进度条")

    def handle(self, *args, size: str, no_progress: bool, **options):
        summary = demo_create(size=size, progress=not no_progress and options["verbosity"] > 0)
        if summary is None:
            self.stdout.write(f"演示数据已存在（{data.CENTER['name']}），未做任何改动。")
            return
        c = summary.counts
        self.stdout.write(self.style.SUCCESS(
            f"演示区（{summary.size}）已载入，用时 {summary.seconds:.1f} 秒。"))
        self.stdout.write(
            f"  实践中心 {c['center']} · 实践所 {c['institute']} · 实践站 {c['station']} · "
            f"实践点 {c['point']} · 网格 {c['grids']}\n"
            f"  志愿者 {c['volunteers']:,}（待审核 {c['pending']}） · 群众 {c['residents']:,}")
        if (ledger := summary.ledger) is not None:
            self.stdout.write(
                f"  志愿服务队 {ledger.teams:,}（队员 {ledger.memberships:,}） · "
                f"活动 {ledger.activities:,}（近期待开展 {ledger.upcoming:,}） · "
                f"已认定服务记录 {ledger.records:,}"
                f"（待审核 {ledger.pending}）\n"
                f"  积分明细 {ledger.entries:,} · 爱心超市商品 {ledger.goods:,} · "
                f"兑换 {ledger.redemptions:,}")
        self.stdout.write(f"演示账号（密码均为 {data.PASSWORD}）：")
        for username, real_name, what in summary.accounts:
            self.stdout.write(f"  {username:<7} {real_name}  {what}")
