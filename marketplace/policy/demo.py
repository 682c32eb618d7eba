"""Demo articles: the national rules contract registration follows, the city's measures, notices.

Sources, and what was (not) copied:
- 《技术合同认定登记管理办法》 (科学技术部、财政部、国家税务总局, 2000) and 《技术合同认定规则》
  (科学技术部, 2001): the summaries below are in the project's own words, from what the
  project's domain notes say of them (docs/contracts.md). Their document numbers,
  国科发政字〔2000〕063号 and 国科发政字〔2001〕253号, are the ones the project's source list cites
  (docs/README.md, "Sources"); check them against the Ministry of Science and Technology's
  published text (https://www.most.gov.cn/) before a real deployment.
- 石政发〔2016〕47号 《石家庄市科技成果处置、使用和收益管理办法》: title and number as the city's plan
  for the 转化服务广场 names them. The project has not seen the measures' text, so the entry says
  only what the title says and points readers to the city government's published text.
- The 通知公告 are invented examples for the demo and say so.
The `published_on` of each demo article is the day it was posted on this platform (the original
year of issue is in its title, number or text), so no date of issue is asserted that the
project could not check.
"""

import io
from datetime import date

from openpyxl import Workbook
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.listings.models import Demand, ResearchResult
from marketplace.policy import services
from marketplace.policy.models import Article
from marketplace.policy.services import ArticleInput

BUREAU_EMAIL = "bureau@demo.sjz.cn"

MEASURES_2000 = """本办法是技术合同认定登记工作的基本依据，由科学技术部、财政部、国家税务总局于 2000 年联合发布。以下为本平台的要点摘要，以原文为准。

## 为什么要认定登记
- 认定登记确认一份书面合同确属技术合同，并确定其类别；
- 经认定登记的技术合同，当事人方可按规定申请享受技术开发、技术转让等有关税收优惠；
- 登记数据也是全国技术市场统计的来源。

## 谁来登记、在哪里登记
- 由技术合同的**卖方**（研究开发方、让与方、受托方、培训方、中介方）申请；
- 向**卖方所在地**的技术合同登记机构提出；技术进口合同由境内的买方登记；
- 技术经纪人或技术转移机构可以代为办理。

## 怎样登记
1. 合同依法成立后，提交书面合同文本和登记表；
2. 登记机构审查合同是否属于技术合同、类别是否正确、技术交易额是否核定准确；
3. 符合条件的予以登记并发给登记证明，不符合的不予登记并说明理由。

在本平台办理：进入“技术合同”填写登记表并提交，科技局审核后发放登记编号，可在线核验。
"""

RULES_2001 = """本规则由科学技术部于 2001 年发布，规定登记机构如何判断一份合同是不是技术合同、属于哪一类，以及技术交易额怎样核定。以下为本平台的要点摘要，以原文为准。

## 按内容认定，不看名称
合同的名称与内容不一致时，按合同约定的权利义务认定类别；一份合同包含不同类别内容的，按各部分内容分别认定。

## 五类技术合同
| 类别 | 常见子类 |
|---|---|
| 技术开发 | 委托开发、合作开发 |
| 技术转让 | 专利权转让、专利申请权转让、技术秘密转让 |
| 技术许可 | 专利实施许可、技术秘密使用许可 |
| 技术咨询 | 可行性论证、技术预测、专题调查、分析评价报告等 |
| 技术服务 | 技术服务、技术培训、技术中介 |

## 合同成交额与技术交易额
- **合同成交额**是合同约定的全部价款；
- **技术交易额**（技术性收入）是从成交额中扣除非技术性费用后的部分，例如购置设备、仪器、零部件和原材料的费用；
- 文档、软件载体、菌种样品以及一两套试验装置等合理数量的技术载体，不作为非技术性费用扣除；
- 技术交易额不会高于合同成交额。

## 不予登记的常见情形
合同无效或尚未生效；不属于技术合同；主体、标的、价款不明确；合同名称与内容不符；非法垄断技术、妨碍技术进步；缺少应有的审批或证明文件；印章缺失或与名称不符。
"""

CITY_2016 = """石家庄市人民政府 2016 年印发本办法（石政发〔2016〕47号），就本市科技成果的处置、使用和收益作出规定。中关村天合石家庄科技成果转化服务广场的建设方案将其列为政策依据之一。

本平台尚未转载全文，条款内容请以市政府公开发布的文本为准。高校、科研院所在平台发布成果、开展转让许可或作价投资前，可对照该办法和本单位的内部制度办理。
"""

INTERPRETATION = """技术合同认定登记常被问到的几个问题，按《技术合同认定登记管理办法》（2000）和《技术合同认定规则》（2001）的要点整理。

## 我是买方，可以登记吗？
一般不可以：由卖方在其所在地登记。只有技术进口（卖方在境外）时由境内买方登记。

## 合同里含设备款怎么办？
照常登记。登记表中列明设备、原材料等非技术性费用，平台自动计算技术交易额，它是税收优惠和统计口径的依据。

## 多久能办完？
科技局在平台设定的工作日时限内审核；技术交易额较大的合同需要专家评审，时限相应延长。进度可在“我的合同”中查看。

## 登记之后还能改吗？
已登记的合同可以申请变更，重新审核；也可以申请注销。
"""

NOTICE_ROADSHOW = """（本文为演示示例）

为促进高校院所科技成果与本市企业需求对接，转化服务广场将于近期举办新材料与生物医药专场路演。欢迎有意向的企业报名参加，现场可与成果团队直接交流。

- 报名方式：登录平台后，在下方相关成果或需求的页面发起对接意向；
- 路演时间和地点另行通知。
"""

NOTICE_REGISTRATION = """（本文为演示示例）

各有关单位：

2026 年度技术合同认定登记工作已全面转为线上办理。请卖方单位通过本平台“技术合同”栏目填报登记表、上传合同扫描件，技术经纪人可代为办理。年底前签订的合同请尽早提交，以免影响年度统计。

附件为登记所需材料清单。
"""


def _checklist_xlsx() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "材料清单"
    sheet.append(["序号", "材料", "说明"])
    for row in [
        (1, "技术合同文本", "双方签章的书面合同扫描件（PDF）"),
        (2, "技术合同登记表", "在平台在线填写"),
        (3, "非技术性费用明细", "合同含设备、原材料等费用时提供"),
        (4, "授权委托书", "由技术经纪人代办时提供"),
    ]:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _article(bureau, data: ArticleInput, attachment: tuple[str, bytes] | None = None) -> bool:
    if db.session.scalar(select(Article.id).where(Article.title == data.title)) is not None:
        return False
    article = services.create_article(bureau, data, publish=True)
    if attachment is not None:
        name, content = attachment
        services.add_attachment(bureau, article, FileStorage(stream=io.BytesIO(content), filename=name))
    return True


def _published_ids(model, limit: int, fields: tuple[str, ...]) -> list[int]:
    """The first published listings of these technology fields (the roadshow's themes)."""
    return list(
        db.session.scalars(
            select(model.id)
            .where(model.status == "published", model.technology_field.in_(fields))
            .order_by(model.id)
            .limit(limit)
        )
    )


def seed_demo_policy(progress=print) -> int:
    """Publish the demo articles that do not exist yet (as the demo bureau); return how many."""
    bureau = db.session.scalar(select(User).where(User.email == BUREAU_EMAIL))
    if bureau is None:
        return 0
    bureau_name = bureau.organisation.name if bureau.organisation else "石家庄市科学技术局"
    themes = ("新材料及其应用", "生物、医药和医疗器械")
    roadshow_links = [("result", i) for i in _published_ids(ResearchResult, 2, themes)]
    roadshow_links += [("demand", i) for i in _published_ids(Demand, 1, themes)]
    articles = [
        (
            ArticleInput(
                category="regulation",
                title="技术合同认定登记管理办法（2000年）",
                issuer="科学技术部、财政部、国家税务总局",
                document_number="国科发政字〔2000〕063号",
                published_on=date(2026, 11, 2),
                body=MEASURES_2000,
            ),
            None,
        ),
        (
            ArticleInput(
                category="regulation",
                title="技术合同认定规则（2001年）",
                issuer="科学技术部",
                document_number="国科发政字〔2001〕253号",
                published_on=date(2026, 11, 2),
                body=RULES_2001,
            ),
            None,
        ),
        (
            ArticleInput(
                category="regulation",
                title="石家庄市科技成果处置、使用和收益管理办法",
                issuer="石家庄市人民政府",
                document_number="石政发〔2016〕47号",
                published_on=date(2026, 11, 3),
                body=CITY_2016,
            ),
            None,
        ),
        (
            ArticleInput(
                category="interpretation",
                title="技术合同认定登记常见问题解读",
                issuer=bureau_name,
                published_on=date(2026, 11, 10),
                body=INTERPRETATION,
            ),
            None,
        ),
        (
            ArticleInput(
                category="notice",
                title="关于做好2026年度技术合同认定登记工作的通知（示例）",
                issuer=bureau_name,
                published_on=date(2026, 11, 20),
                body=NOTICE_REGISTRATION,
            ),
            ("技术合同登记材料清单.xlsx", _checklist_xlsx()),
        ),
        (
            ArticleInput(
                category="notice",
                title="新材料与生物医药成果专场路演报名通知（示例）",
                issuer=bureau_name,
                published_on=date(2026, 11, 28),
                body=NOTICE_ROADSHOW,
                links=roadshow_links,
            ),
            None,
        ),
    ]
    made = sum(_article(bureau, data, attachment) for data, attachment in articles)
    progress(f"政策通知 {made} 篇")
    return made
