"""Sample patent lists as the Chinese patent databases export them, for the import tests.

Each layout has the headers its database writes (brackets, spaces and suffixes included), title
rows above the header where the database puts them, and realistic rows: application numbers with
valid check characters, A/B/U/S publications, CNIPA IPC forms, several values in one cell.
"""

import csv
import io

from openpyxl import Workbook

from marketplace.common.validators import patent_check_char
from tests.listings.xls_writer import write_xls


def app_no(twelve: str) -> str:
    return f"{twelve}.{patent_check_char(twelve)}"


# One list of patents, written out in each database's way.
PATENTS = [
    {
        "app": app_no("201910345678"),
        "pub": ["CN110098765A", "CN110098765B"],
        "title": "一种高镍三元锂离子电池正极材料的制备方法",
        "abstract": "本发明公开了一种高镍三元正极材料的制备方法，采用共沉淀与两段烧结，循环稳定性提高。",
        "applicants": ["河北科技大学", "石家庄新能电池有限公司"],
        "inventors": ["王建国", "李晓明", "张丽"],
        "filed": "2019-05-08",
        "published": "2019-08-09",
        "granted": "2021-03-16",
        "ipc": ["H01M 4/505 (2010.01)", "H01M 10/0525 (2010.01)"],
        "status": "有效",
        "status_detail": "授权",
        "type": "发明授权",
    },
    {
        "app": app_no("202120987654"),
        "pub": ["CN215792497U"],
        "title": "一种膜纸自动化印刷生产线的张力控制装置",
        "abstract": "本实用新型涉及印刷设备，包括放卷辊、张力传感器和控制器，张力波动小。",
        "applicants": ["石家庄铁道大学"],
        "inventors": ["赵刚", "孙悦"],
        "filed": "2021-04-28",
        "published": "2022-02-11",
        "granted": "2022-02-11",
        "ipc": ["B41F 13/02 (2006.01)"],
        "status": "有效",
        "status_detail": "授权",
        "type": "实用新型",
    },
    {
        "app": app_no("202210456789"),
        "pub": ["CN114220277A"],
        "title": "基于物联网的太阳能交通信号灯智能联动系统",
        "abstract": "本发明提供一种基于物联网的交通信号灯联动系统，可按车流调整配时。",
        "applicants": ["河北工业大学"],
        "inventors": ["刘洋", "陈晨", "周敏"],
        "filed": "2022-01-10",
        "published": "2022-03-22",
        "granted": "",
        "ipc": ["G08G 1/07 (2006.01)", "H02J 7/35 (2006.01)"],
        "status": "审中",
        "status_detail": "实质审查",
        "type": "发明申请",
    },
    {
        "app": app_no("201830123456"),
        "pub": ["CN304567890S"],
        "title": "药品包装盒（冻干粉针）",
        "abstract": "",
        "applicants": ["石药集团欧意药业有限公司"],
        "inventors": ["马丽"],
        "filed": "2018-03-12",
        "published": "2018-07-20",
        "granted": "2018-07-20",
        "ipc": [],
        "status": "失效",
        "status_detail": "未缴年费专利权终止",
        "type": "外观设计",
    },
]


def _rows(columns: list[tuple[str, callable]]) -> list[list]:
    return [[header for header, _get in columns]] + [[get(p) for _h, get in columns] for p in PATENTS]


def cnipa_rows() -> list[list]:
    """专利检索及分析系统: a title row, full-width brackets, `;` between values, CNIPA IPC form."""
    columns = [
        ("序号", lambda p: str(PATENTS.index(p) + 1)),
        ("申请号", lambda p: p["app"]),
        ("申请日", lambda p: p["filed"].replace("-", ".")),
        ("公开（公告）号", lambda p: p["pub"][-1]),
        # The date of the publication in the number column: a grant's date is its 授权公告日.
        ("公开（公告）日", lambda p: (p["granted"] or p["published"]).replace("-", ".")),
        ("发明名称", lambda p: p["title"]),
        ("IPC分类号", lambda p: ";".join(p["ipc"])),
        ("申请（专利权）人", lambda p: ";".join(p["applicants"])),
        ("发明人", lambda p: ";".join(p["inventors"])),
        ("摘要", lambda p: p["abstract"]),
        ("法律状态", lambda p: p["status_detail"]),
    ]
    return [["专利检索及分析系统 检索结果（共 4 条）"], [], *_rows(columns)]


def incopat_rows() -> list[list]:
    """incoPat: 「(全部)」 suffixes, line breaks between values, 当前法律状态 and 当前权利人."""
    columns = [
        ("标题", lambda p: p["title"]),
        ("公开（公告）号", lambda p: "\n".join(p["pub"])),
        ("申请号", lambda p: "CN" + p["app"]),
        ("申请日", lambda p: p["filed"].replace("-", "")),
        ("授权公告日", lambda p: p["granted"]),
        ("当前权利人", lambda p: "\n".join(p["applicants"])),
        ("发明人(全部)", lambda p: "\n".join(p["inventors"])),
        ("IPC主分类", lambda p: p["ipc"][0].split(" (")[0] if p["ipc"] else ""),
        ("IPC(全部)", lambda p: "\n".join(c.split(" (")[0] for c in p["ipc"])),
        ("当前法律状态", lambda p: p["status_detail"]),
        ("专利类型", lambda p: p["type"]),
        ("摘要", lambda p: p["abstract"]),
    ]
    return _rows(columns)


def patsnap_rows() -> list[list]:
    """智慧芽 PatSnap: half-width brackets, `|` between values, 简单法律状态 with a 法律状态/事件 column."""
    columns = [
        ("公开(公告)号", lambda p: p["pub"][-1]),
        ("申请号", lambda p: p["app"]),
        ("标题", lambda p: p["title"]),
        ("摘要", lambda p: p["abstract"]),
        ("申请(专利权)人", lambda p: " | ".join(p["applicants"])),
        ("发明人", lambda p: " | ".join(p["inventors"])),
        ("申请日", lambda p: p["filed"]),
        ("授权日", lambda p: p["granted"]),
        ("IPC分类号", lambda p: " | ".join(c.split(" (")[0] for c in p["ipc"])),
        ("简单法律状态", lambda p: p["status"]),
        ("法律状态/事件", lambda p: p["status_detail"]),
        ("专利类型", lambda p: p["type"].replace("发明申请", "发明").replace("发明授权", "发明")),
    ]
    return [["智慧芽专利数据导出", "", "导出时间：2026-11-30"], *_rows(columns)]


def soopat_rows() -> list[list]:
    """SooPAT-style list: 名称, 主分类号, 发明(设计)人, `；` between values, an 地址 column."""
    columns = [
        ("申请号", lambda p: p["app"]),
        ("名称", lambda p: p["title"]),
        (
            "主分类号",
            lambda p: p["ipc"][0].replace(" (2010.01)", "").replace(" (2006.01)", "") if p["ipc"] else "",
        ),
        ("申请(专利权)人", lambda p: "；".join(p["applicants"])),
        ("发明(设计)人", lambda p: "；".join(p["inventors"])),
        ("申请日", lambda p: p["filed"].replace("-", "/")),
        ("公开(公告)号", lambda p: p["pub"][-1]),
        ("地址", lambda p: "河北省石家庄市"),
        ("摘要", lambda p: p["abstract"]),
    ]
    return _rows(columns)


def as_xlsx(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def as_csv(rows: list[list], encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow(row)
    return out.getvalue().encode(encoding)


def as_xls(rows: list[list]) -> bytes:
    return write_xls(rows)


def as_html_xls(rows: list[list], encoding: str = "gb18030") -> bytes:
    """An HTML table saved under the name .xls, as several patent databases export."""
    from html import escape

    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(v)).replace(chr(10), '<br>')}</td>" for v in row) + "</tr>"
        for row in rows
    )
    page = f'<html><head><meta charset="gb2312"></head><body><table border="1">{body}</table></body></html>'
    return page.encode(encoding)
