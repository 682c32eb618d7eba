"""`flask import patents|results|demands FILE --org NAME [--draft] [--preview] [--yes] [--on-duplicate]`
and `flask expire-demands`."""

from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from marketplace.common.errors import DomainError
from marketplace.common.kinds import KIND_LABELS
from marketplace.common.uow import unit_of_work
from marketplace.extensions import db
from marketplace.listings import importer, services
from marketplace.listings.import_preview import DUPLICATE_CHOICES, analyse
from marketplace.organisations.models import Organisation


def _echo_preview(preview) -> None:
    """Print what the web preview shows: layout, column mapping, first rows, errors, flags, duplicates."""
    click.echo(
        f"识别为：{preview.layout_label}（表头在第 {preview.header_line} 行，数据 {preview.total} 行）"
    )
    click.echo("列对应：")
    for column in preview.columns:
        click.echo(
            f"  {column['index'] + 1}. {column['header'] or '（空）'} -> {column['label'] or '（不导入）'}"
        )
    labels = dict(preview.shown_fields)
    if preview.sample:
        click.echo(f"前 {len(preview.sample)} 行将存为：")
        for record in preview.sample:
            shown = "；".join(f"{labels[name]}={text}" for name, text in preview.cells(record) if text)
            click.echo(f"  第 {record['_line']} 行：{shown}")
    for warning in preview.warnings:
        click.echo(f"提示：{warning}")
    for title, items in (
        ("错误", preview.errors),
        ("需确认", preview.flagged),
        ("已在平台上", preview.duplicates),
    ):
        for item in items:
            click.echo(f"{title}：第 {item['line']} 行：{item['message']}")


@click.command("import")
@click.argument("kind", type=click.Choice(["patents", "results", "demands"]))
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--org", "org_name", required=True, help="发布单位的完整名称")
@click.option("--draft", is_flag=True, help="导入为草稿，不立即发布")
@click.option("--preview", is_flag=True, help="只显示识别结果、前几行、错误和需确认的行，不写入任何数据")
@click.option("--yes", "accept_flagged", is_flag=True, help="接受需确认的行（如金额不到 1 万元）")
@click.option(
    "--on-duplicate",
    type=click.Choice(list(DUPLICATE_CHOICES)),
    default="error",
    show_default=True,
    help="平台上已有的专利或同名成果：error 报错、skip 跳过、update 更新法律状态等",
)
@with_appcontext
def import_command(
    kind: str, path: Path, org_name: str, draft: bool, preview: bool, accept_flagged: bool, on_duplicate: str
):
    """Import listings from an XLSX, XLS, CSV or JSON Lines file; a file with any bad row imports nothing."""
    kind_key = services.KIND_OF_SEGMENT[kind]
    org = db.session.scalar(select(Organisation).where(Organisation.name == org_name.strip()))
    if org is None:
        raise click.ClickException(f"找不到单位“{org_name}”，请填写完整名称")
    if org.org_type not in services.POSTERS[kind_key]:
        raise click.ClickException(f"{org.type_label}不能发布{KIND_LABELS[kind_key]}")
    data = path.read_bytes()
    if preview:
        try:
            _echo_preview(analyse(kind_key, org.id, data, path.name))
        except DomainError as error:
            raise click.ClickException(error.message) from None
        db.session.rollback()
        click.echo("预览完成，未写入任何数据")
        return
    bar = {"bar": None, "done": 0}

    def on_total(total: int) -> None:
        bar["bar"] = click.progressbar(length=max(total, 1) * 2, label="检查并导入", file=None)
        bar["bar"].__enter__()

    def on_progress(done: int) -> None:
        bar["bar"].update(done - bar["done"])
        bar["done"] = done

    def on_insert(count: int) -> None:
        bar["bar"].update(count)

    # One unit of work: a file with any bad row leaves the command by an exception, which rolls back.
    with unit_of_work():
        try:
            report = importer.import_file(
                kind_key,
                org,
                None,
                data,
                path.name,
                as_draft=draft,
                on_duplicate=on_duplicate,
                accepted=accept_flagged,
                on_total=on_total,
                on_progress=on_progress,
                on_insert=on_insert,
            )
        except DomainError as error:
            raise click.ClickException(error.message) from None
        finally:
            if bar["bar"] is not None:
                bar["bar"].__exit__(None, None, None)
        for warning in report.warnings:
            click.echo(f"提示：{warning}")
        if not report.ok:
            for error in report.errors:
                click.echo(f"第 {error['line']} 行：{error['message']}", err=True)
            raise click.ClickException(f"{len(report.errors)} 行有错误或待确认，未导入任何数据")
    state = "草稿" if draft or not org.is_verified else "已发布"
    click.echo(
        f"已导入 {report.imported} 条{KIND_LABELS[kind_key]}（{state}），更新 {report.updated} 条，跳过 {report.skipped} 条"
    )


@click.command("expire-demands")
@with_appcontext
def expire_demands_command():
    """Mark published demands past their deadline as expired (run daily)."""
    with unit_of_work():
        count = services.expire_demands()
    click.echo(f"已将 {count} 条过期需求标为“已过期”")
