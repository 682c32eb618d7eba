"""Reference lists: GB/T 2260 regions, the national technology-market fields, 主体性质 codes.

Sources: GB/T 2260 administrative division codes; the 技术领域 list and party-nature codes of the
national technology-contract registration statistics (技术合同认定登记); lists the bureau may correct.
docs/domain.md explains each list and names where it comes from.
"""

from marketplace.common.roles import Role

SHIJIAZHUANG = "130100"

# GB/T 2260 codes of Shijiazhuang's districts and counties, plus the usual counterparts.
DISTRICTS = {
    "130100": "石家庄市（市本级）",
    "130102": "长安区",
    "130104": "桥西区",
    "130105": "新华区",
    "130107": "井陉矿区",
    "130108": "裕华区",
    "130109": "藁城区",
    "130110": "鹿泉区",
    "130111": "栾城区",
    "130121": "井陉县",
    "130123": "正定县",
    "130125": "行唐县",
    "130126": "灵寿县",
    "130127": "高邑县",
    "130128": "深泽县",
    "130129": "赞皇县",
    "130130": "无极县",
    "130131": "平山县",
    "130132": "元氏县",
    "130133": "赵县",
    "130181": "辛集市",
    "130183": "晋州市",
    "130184": "新乐市",
}
OTHER_REGIONS = {"130000": "河北省（其他市）", "110000": "北京市", "120000": "天津市"}
REGIONS = {**DISTRICTS, **OTHER_REGIONS}

# 高新区 and the like have no GB/T 2260 code: they are a tag beside the district.
FUNCTIONAL_ZONES = {
    "high_tech": "石家庄高新技术产业开发区",
    "circular_chem": "石家庄循环化工园区",
    "bonded": "石家庄综合保税区",
}

TECHNOLOGY_FIELDS = [
    "电子信息",
    "航空航天",
    "先进制造",
    "生物、医药和医疗器械",
    "新材料及其应用",
    "新能源与高效节能",
    "环境保护与资源综合利用",
    "核应用",
    "农业",
    "现代交通",
    "城市建设与社会发展",
]

INDUSTRIES = ["生物医药", "装备制造", "石化/循环化工", "电子信息", "新材料", "现代物流/商贸金融"]

# 主体性质 codes. The official form's list was not seen whole, so this is data the bureau may
# correct; codes are kept as strings because of their leading zeros.
NATURE_CODES = {
    "010": "机关法人",
    "020": "事业法人",
    "021": "科研机构",
    "022": "高等院校",
    "023": "医疗卫生机构",
    "029": "其他事业法人",
    "030": "社团法人",
    "100": "内资企业",
    "110": "国有企业",
    "120": "集体企业",
    "130": "股份合作企业",
    "140": "联营企业",
    "150": "有限责任公司",
    "160": "股份有限公司",
    "170": "私营企业",
    "190": "其他内资企业",
    "200": "港澳台商投资企业",
    "300": "外商投资企业",
    "400": "自然人",
    "900": "其他",
}

# The one label table of organisation types (the roles); forms, filters and templates read it.
ORG_TYPES = {
    Role.UNIVERSITY: "高等院校",
    Role.INSTITUTE: "科研院所",
    Role.ENTERPRISE: "企业",
    Role.BROKER: "技术转移机构",
    Role.BUREAU: "科技管理部门",
}

# What each kind of organisation may do on the platform.
CAN_POST_PATENTS = frozenset({Role.UNIVERSITY, Role.INSTITUTE, Role.ENTERPRISE})
CAN_POST_RESULTS = frozenset({Role.UNIVERSITY, Role.INSTITUTE})
CAN_POST_DEMANDS = frozenset({Role.ENTERPRISE, Role.INSTITUTE})
CAN_FILE_CONTRACTS = frozenset({Role.BROKER, Role.UNIVERSITY, Role.INSTITUTE, Role.ENTERPRISE})
REVIEWERS = frozenset({Role.BUREAU})


def region_label(code: str | None) -> str:
    """Return the Chinese name of a region code, or the code itself when unknown."""
    if not code:
        return ""
    return REGIONS.get(code, code)
